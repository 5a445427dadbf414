package supervise

import (
	"context"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/settle"
	"ncms/internal/supervise/rules"
)

// The Service is settlement's screening hook.
var _ settle.Screen = (*Service)(nil)

// ScreenSettlement implements settle.Screen. Inside the settlement
// transaction it (1) refuses a person, institution or doctor blacklisted
// with effect "block" and opens a review case for effect "review"; (2)
// runs the per-settlement rules on the settlement's lines, the person's
// other stays and possible duplicates; a hit of a rule configured to block
// refuses the settlement, every other hit opens a case. The settlement's
// own lines come with sc (settlement read them as it marked them settled).
// Queries: the blacklist, the person's other stays (inpatient), the ids of
// possible duplicates (their bills and lines only when there are some) and
// the year's configuration once per configTTL (configCache); plus the
// inserts of the cases it opens.
func (s *Service) ScreenSettlement(ctx context.Context, tx *db.Tx, sc settle.Screened) error {
	st, v := sc.Settlement, sc.Visit
	cfg, err := s.configs.get(ctx, tx, v.Begin.Year)
	if err != nil {
		return err
	}
	day := st.Date
	if day.IsZero() {
		day = s.Today()
	}
	entries, err := inForce(ctx, tx, st.PersonID, st.InstitutionID, v.ID, day)
	if err != nil {
		return err
	}
	var hits []rules.Hit
	for _, e := range entries {
		if e.Effect == EffectBlock {
			return blockedError(e)
		}
		zh, en := SubjectLabel(e.Subject)
		hits = append(hits, rules.Hit{Rule: rules.Blacklisted, Key: "blacklist_review:" + itoa64(st.ID) + ":" + itoa64(e.ID),
			InstitutionID: st.InstitutionID, PersonID: st.PersonID, Amount: st.Result.FundTotal,
			Zh: "黑名单(" + zh + ")复核: " + e.Reason, En: "blacklist (" + en + ") review: " + e.Reason,
			Evidence: []rules.Ref{{SettlementID: st.ID, VisitID: v.ID}}})
	}
	b := rules.Bill{SettlementID: st.ID, VisitID: v.ID, PersonID: st.PersonID, InstitutionID: st.InstitutionID, Level: sc.Level,
		ClrType: v.ClrType, Begin: v.Begin, End: v.End, Sex: st.Sex, Birth: st.Birth, Invoice: st.Invoice, MedFee: st.Result.MedFee}
	if b.Lines, err = ownLines(ctx, tx, sc); err != nil {
		return err
	}
	var x rules.Context
	if v.ClrType == "21" && !v.End.IsZero() {
		if x.Stays, err = liveStays(ctx, tx, `v.person_id = ? AND v.id <> ? AND v.begin_date <= ? AND v.end_date >= ?`,
			st.PersonID, v.ID, v.End.AddDays(cfg.ReadmitDays), v.Begin.AddDays(-cfg.ReadmitDays)); err != nil {
			return err
		}
	}
	if cfg.On(rules.Duplicate) {
		if x.Candidates, err = duplicateCandidates(ctx, tx, b); err != nil {
			return err
		}
	}
	found := rules.Screen(cfg, b, x)
	for _, h := range found {
		if info, _ := rules.Lookup(h.Rule); cfg.Blocks(h.Rule) && info.PerSettlement {
			return apperr.New(apperr.Conflict, "screen_blocked", "结算被稽核规则拦截("+info.Zh+"): "+h.Zh+";请联系合管中心",
				"refused by the screening rule "+info.En+": "+h.En+"; contact the county center")
		}
	}
	hits = append(hits, found...)
	by := actorName(ctx)
	for _, h := range hits {
		if _, _, err := s.openCase(ctx, tx, h, "settlement", "", 0, by); err != nil {
			return err
		}
	}
	return nil
}

// CheckClaim implements settle.Screen: filing a manual claim is refused for
// a person or at an institution blacklisted with effect "block" today.
// (Effect "review" needs nothing more: every manual claim is reviewed.)
func (s *Service) CheckClaim(ctx context.Context, q db.Querier, personID, institutionID int64, _ civil.Date) error {
	entries, err := inForce(ctx, q, personID, institutionID, 0, s.Today())
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Effect == EffectBlock {
			return blockedError(e)
		}
	}
	return nil
}

func blockedError(e Entry) error {
	zh, en := SubjectLabel(e.Subject)
	return apperr.New(apperr.Forbidden, "blacklisted", "已列入黑名单("+zh+"),暂停报销: "+e.Reason,
		"blacklisted ("+en+"), barred from reimbursement: "+e.Reason)
}

// ownLines are the lines of the settlement being screened as the rules
// see them: those settlement handed over (read as it marked them settled),
// else read.
func ownLines(ctx context.Context, q db.Querier, sc settle.Screened) ([]rules.Line, error) {
	if sc.Lines == nil {
		lines, err := settlementLines(ctx, q, `f.settlement_id = ?`, sc.Settlement.ID)
		return lines[sc.Settlement.ID], err
	}
	if len(sc.Lines) == 0 {
		return nil, nil
	}
	out := make([]rules.Line, len(sc.Lines))
	for i, l := range sc.Lines {
		out[i] = rules.Line{ID: l.ID, SN: l.SN, Code: l.Code, Name: l.Name, Kind: l.Kind, FeeType: l.FeeType, Class: l.Class,
			Levels: l.Levels, Approval: l.Approval, Qty: l.Qty, Price: l.Price, PriceCap: l.PriceCap, RefPrice: l.RefPrice,
			Total: l.Total, InScope: l.InScope}
	}
	return out, nil
}

// lineCols reads fee lines with the catalogue facts the snapshot lacks.
const lineCols = `f.settlement_id, f.id, f.feedetl_sn, f.code, f.name, COALESCE(c.kind, ''), COALESCE(c.fee_type, ''), f.class,
	f.levels, f.approval, f.qty, f.price, f.price_cap, COALESCE(c.price, 0), f.total, f.inscp, f.essential`

// settlementLines reads the lines of the settlements selected by where
// (over fee_lines f, settlements s), grouped by settlement.
func settlementLines(ctx context.Context, q db.Querier, where string, args ...any) (map[int64][]rules.Line, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+lineCols+` FROM fee_lines f JOIN settlements s ON s.id = f.settlement_id
		LEFT JOIN catalog_entries c ON c.id = f.catalog_id WHERE `+where+` ORDER BY f.settlement_id, f.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]rules.Line{}
	for rows.Next() {
		var sid int64
		var l rules.Line
		var levels string
		var total, inscp int64
		var essential bool
		if err := rows.Scan(&sid, &l.ID, &l.SN, &l.Code, &l.Name, &l.Kind, &l.FeeType, &l.Class, &levels, &l.Approval, &l.Qty,
			&l.Price, &l.PriceCap, &l.RefPrice, &total, &inscp, &essential); err != nil {
			return nil, err
		}
		l.Total, l.InScope = moneyFen(total), moneyFen(inscp)
		if levels != "" {
			l.Levels = strings.Split(levels, ",")
		}
		out[sid] = append(out[sid], l)
	}
	return out, rows.Err()
}

// live is the condition for a settlement that is not a reversal and has
// not been reversed. COALESCE(reverses_id, 0) = 0, not reverses_id IS
// NULL: without statistics SQLite answers IS NULL through the unique index
// on reverses_id, i.e. reads every settlement ever made, per screening.
const live = `COALESCE(s.reverses_id, 0) = 0 AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reverses_id = s.id)`

// liveStays reads discharged admissions with a live settlement selected by
// where (over visits v, settlements s).
func liveStays(ctx context.Context, q db.Querier, where string, args ...any) ([]rules.Stay, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, v.id, v.institution_id, v.begin_date, v.end_date, v.person_id
		FROM visits v JOIN settlements s ON s.visit_id = v.id
		WHERE v.clr_type = '21' AND v.end_date IS NOT NULL AND `+live+` AND `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rules.Stay
	for rows.Next() {
		var st rules.Stay
		if err := rows.Scan(&st.SettlementID, &st.VisitID, &st.InstitutionID, &st.Begin, &st.End, &st.PersonID); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// duplicateCandidates reads the live settlements that may be b again: the
// same person, institution, visit day and total, or the same invoice
// number at the institution; with their lines.
func duplicateCandidates(ctx context.Context, q db.Querier, b rules.Bill) ([]rules.Bill, error) {
	ids, err := candidateIDs(ctx, q, b)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	where := `s.id IN (` + marks(len(ids)) + `) AND s.visit_id <> ? AND ` + live + ` AND
		(s.person_id = ? AND v.begin_date = ? AND s.medfee_sumamt = ?`
	args := append(ids, b.VisitID, b.PersonID, b.Begin, int64(b.MedFee))
	if b.Invoice != "" {
		where += ` OR s.invono = ?`
		args = append(args, b.Invoice)
	}
	where += `)`
	bills, err := loadBills(ctx, q, where, args...)
	if err != nil || len(bills) == 0 {
		return nil, err
	}
	found := make([]any, len(bills))
	for i := range bills {
		found[i] = bills[i].SettlementID
	}
	lines, err := settlementLines(ctx, q, `f.settlement_id IN (`+marks(len(found))+`)`, found...)
	if err != nil {
		return nil, err
	}
	for i := range bills {
		bills[i].Lines = lines[bills[i].SettlementID]
	}
	return bills, nil
}

// candidateIDs returns the settlements that may be b again, before the
// checks that need their rows and visits (loadBills): of the 20 latest
// settlements of the person at the institution with b's total, or with b's
// invoice number there, those other than b. Nearly every settlement has
// none (its only match is itself), and then nothing more is read.
//
// Both are found in covering indexes — the person's settlements
// (settlements_stats_person, which holds institution and total) and the
// institution's invoice numbers (supervise_settlements_invoice) — as a
// UNION: with an OR, SQLite scans every settlement of the institution, a
// cost that grows with the institution's history on every settlement.
// Reading the visit too (to leave b's visit out here) would make SQLite
// read the row of every settlement of the person: loadBills leaves it out.
// The 20 latest are taken with b among them, as the single query that
// used to do all of it did: one candidate is enough for a hit.
func candidateIDs(ctx context.Context, q db.Querier, b rules.Bill) ([]any, error) {
	cand := `SELECT id FROM settlements WHERE person_id = ? AND institution_id = ? AND medfee_sumamt = ?`
	args := []any{b.PersonID, b.InstitutionID, int64(b.MedFee)}
	if b.Invoice != "" {
		cand += ` UNION SELECT id FROM settlements WHERE institution_id = ? AND invono = ? AND invono <> ''`
		args = append(args, b.InstitutionID, b.Invoice)
	}
	rows, err := q.QueryContext(ctx, cand+` ORDER BY id DESC LIMIT 20`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if id != b.SettlementID {
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// marks is n comma-separated placeholders.
func marks(n int) string { return strings.Repeat(", ?", n)[2:] }

// loadBills reads settlements (without lines) selected by where over
// settlements s, visits v, persons p, institutions i.
func loadBills(ctx context.Context, q db.Querier, where string, args ...any) ([]rules.Bill, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.visit_id, s.person_id, s.institution_id, i.level, v.clr_type, v.begin_date,
		v.end_date, p.sex, p.birth_date, s.invono, s.medfee_sumamt
		FROM settlements s JOIN visits v ON v.id = s.visit_id JOIN persons p ON p.id = s.person_id
		JOIN institutions i ON i.id = s.institution_id WHERE `+where+` ORDER BY s.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []rules.Bill
	for rows.Next() {
		var b rules.Bill
		var fee int64
		if err := rows.Scan(&b.SettlementID, &b.VisitID, &b.PersonID, &b.InstitutionID, &b.Level, &b.ClrType, &b.Begin, &b.End,
			&b.Sex, &b.Birth, &b.Invoice, &fee); err != nil {
			return nil, err
		}
		b.MedFee = moneyFen(fee)
		out = append(out, b)
	}
	return out, rows.Err()
}
