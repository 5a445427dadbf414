package supervise

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/money"
	"ncms/internal/statement"
	"ncms/internal/supervise/rules"
)

// Sampling kinds.
const (
	SpotRealtime = "spot_realtime" // spot check of real-time settlements
	SpotClaims   = "spot_claims"   // spot check of manual claims
	FollowUp     = "follow_up"     // follow-up calls to compensated inpatients (回访)
)

// SampleKinds lists the kinds in display order.
var SampleKinds = []string{SpotRealtime, SpotClaims, FollowUp}

// KindLabel returns a sampling kind's or item outcome's names.
func KindLabel(k string) (zh, en string) {
	switch k {
	case SpotRealtime:
		return "即时结报抽查", "Spot check of real-time settlements"
	case SpotClaims:
		return "手工报销抽查", "Spot check of manual claims"
	case FollowUp:
		return "住院回访", "Follow-up calls"
	case "confirmed":
		return "属实", "confirmed"
	case "discrepancy":
		return "不符", "discrepancy"
	case "unreachable":
		return "未联系上", "unreachable"
	}
	return k, k
}

// Sample is one draw with its work list.
type Sample struct {
	ID         int64        `json:"id"`
	Kind       string       `json:"kind"`
	Period     string       `json:"period"`
	Seed       int64        `json:"seed"`
	Share      money.Rate   `json:"share_bp"`
	Population int          `json:"population"`
	CreatedBy  string       `json:"created_by"`
	Created    time.Time    `json:"created_at"`
	Done       int          `json:"done"`
	Items      []SampleItem `json:"items,omitempty"`
}

// SampleItem is one settlement or claim to check or one patient to call.
type SampleItem struct {
	Seq           int       `json:"seq"`
	RefType       string    `json:"ref_type"` // settlement, claim
	RefID         int64     `json:"ref_id"`
	PersonID      int64     `json:"person_id"`
	PersonName    string    `json:"person_name"`
	InstitutionID int64     `json:"institution_id"`
	Institution   string    `json:"institution_name"`
	Amount        money.Fen `json:"amount"`
	Outcome       string    `json:"outcome,omitempty"` // confirmed, discrepancy, unreachable
	Note          string    `json:"note,omitempty"`
	DoneBy        string    `json:"done_by,omitempty"`
	CaseID        int64     `json:"case_id,omitempty"`
}

// population returns the ids a kind draws from in period, and the table
// they are in. The population of a past month does not change: settlement
// and approval days are set once.
func population(ctx context.Context, q db.Querier, kind string, p statement.Period) ([]int64, string, error) {
	var qs string
	ref := "settlement"
	switch kind {
	case SpotRealtime:
		qs = `SELECT id FROM settlements WHERE reverses_id IS NULL AND setl_date BETWEEN ? AND ?`
	case FollowUp:
		qs = `SELECT id FROM settlements WHERE reverses_id IS NULL AND clr_type = '21' AND fund_pay_sumamt > 0 AND setl_date BETWEEN ? AND ?`
	case SpotClaims:
		qs, ref = `SELECT id FROM claims WHERE approved_date BETWEEN ? AND ? AND stage IN ('approved', 'paid')`, "claim"
	default:
		return nil, "", apperr.Field("kind", "invalid", "未知抽样类别", "unknown sampling kind")
	}
	rows, err := q.QueryContext(ctx, qs, p.First(), p.Last())
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, "", err
		}
		ids = append(ids, id)
	}
	return ids, ref, rows.Err()
}

// shareOf is the configured share of a kind.
func shareOf(c rules.Config, kind string) money.Rate {
	switch kind {
	case SpotRealtime:
		return c.SpotRealtime
	case SpotClaims:
		return c.SpotClaims
	}
	return c.FollowUp
}

// Draw draws the month's sample of kind with the year's configured share.
// seed 0 draws a random seed; the seed is recorded with the population
// size so that Verify can repeat the draw. One draw per kind and month.
func (s *Service) Draw(ctx context.Context, kind string, p statement.Period, seed int64) (Sample, error) {
	a, err := need(ctx, Workers)
	if err != nil {
		return Sample{}, err
	}
	if p.IsZero() {
		return Sample{}, apperr.Field("period", "required", "请选择月份", "choose the month")
	}
	if seed == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return Sample{}, err
		}
		seed = int64(binary.BigEndian.Uint64(b[:]) >> 1)
		if seed == 0 {
			seed = 1
		}
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		cfg, err := loadConfig(ctx, tx, p.Year)
		if err != nil {
			return err
		}
		ids, ref, err := population(ctx, tx, kind, p)
		if err != nil {
			return err
		}
		share := shareOf(cfg, kind)
		id, err = tx.InsertID(ctx, `INSERT INTO supervise_samples (kind, period, seed, share_bp, population, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, period) DO NOTHING`, kind, p.String(), seed, int64(share), len(ids), s.stamp(), a.Username)
		if db.IsNoRows(err) {
			return apperr.New(apperr.Conflict, "sample_exists", "该月已抽样", "this month has already been drawn")
		}
		if err != nil {
			return err
		}
		for i, rid := range rules.Sample(uint64(seed), ids, share) {
			var person, inst, amt int64
			tbl := "settlements"
			if ref == "claim" {
				tbl = "claims"
			}
			if err := tx.QueryRowContext(ctx, `SELECT person_id, institution_id, fund_pay_sumamt FROM `+tbl+` WHERE id = ?`, rid).Scan(&person, &inst, &amt); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO supervise_sample_items (sample_id, seq, ref_type, ref_id, person_id, institution_id, amount)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, id, i+1, ref, rid, person, inst, amt); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "supervise.sample.draw", "supervise_sample", id, nil,
			map[string]any{"kind": kind, "period": p.String(), "seed": seed, "share": share, "population": len(ids)})
	})
	if err != nil {
		return Sample{}, err
	}
	return s.Sample(ctx, id)
}

// Verify repeats a draw from its recorded seed and share over the same
// population and reports whether it selects exactly the recorded items.
func (s *Service) Verify(ctx context.Context, id int64) (bool, error) {
	sm, err := s.Sample(ctx, id)
	if err != nil {
		return false, err
	}
	p, err := statement.ParsePeriod(sm.Period)
	if err != nil {
		return false, err
	}
	ids, _, err := population(ctx, s.db, sm.Kind, p)
	if err != nil {
		return false, err
	}
	again := rules.Sample(uint64(sm.Seed), ids, sm.Share)
	var had []int64
	for _, it := range sm.Items {
		had = append(had, it.RefID)
	}
	return len(ids) == sm.Population && slices.Equal(again, had), nil
}

// Samples lists the draws, newest first.
func (s *Service) Samples(ctx context.Context) ([]Sample, error) {
	if _, err := need(ctx, Readers); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.kind, m.period, m.seed, m.share_bp, m.population, m.created_by, m.created_at,
		(SELECT COUNT(*) FROM supervise_sample_items x WHERE x.sample_id = m.id AND x.outcome <> '')
		FROM supervise_samples m ORDER BY m.period DESC, m.id DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Sample
	for rows.Next() {
		sm, err := scanSample(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	return out, rows.Err()
}

func scanSample(row interface{ Scan(...any) error }) (Sample, error) {
	var sm Sample
	var share int64
	var at string
	err := row.Scan(&sm.ID, &sm.Kind, &sm.Period, &sm.Seed, &share, &sm.Population, &sm.CreatedBy, &at, &sm.Done)
	sm.Share = money.Rate(share)
	sm.Created, _ = db.ParseTimestamp(at)
	return sm, err
}

// Sample returns a draw with its work list.
func (s *Service) Sample(ctx context.Context, id int64) (Sample, error) {
	if _, err := need(ctx, Readers); err != nil {
		return Sample{}, err
	}
	sm, err := scanSample(s.db.QueryRowContext(ctx, `SELECT m.id, m.kind, m.period, m.seed, m.share_bp, m.population, m.created_by,
		m.created_at, (SELECT COUNT(*) FROM supervise_sample_items x WHERE x.sample_id = m.id AND x.outcome <> '')
		FROM supervise_samples m WHERE m.id = ?`, id))
	if db.IsNoRows(err) {
		return sm, apperr.New(apperr.NotFound, "sample_not_found", "未找到该抽样", "sample not found")
	}
	if err != nil {
		return sm, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT x.seq, x.ref_type, x.ref_id, x.person_id, COALESCE(p.name, ''), x.institution_id,
		COALESCE(i.name, ''), x.amount, x.outcome, x.note, x.done_by, COALESCE(x.case_id, 0)
		FROM supervise_sample_items x LEFT JOIN persons p ON p.id = x.person_id LEFT JOIN institutions i ON i.id = x.institution_id
		WHERE x.sample_id = ? ORDER BY x.seq`, id)
	if err != nil {
		return sm, err
	}
	defer rows.Close()
	for rows.Next() {
		var it SampleItem
		var amt int64
		if err := rows.Scan(&it.Seq, &it.RefType, &it.RefID, &it.PersonID, &it.PersonName, &it.InstitutionID, &it.Institution,
			&amt, &it.Outcome, &it.Note, &it.DoneBy, &it.CaseID); err != nil {
			return sm, err
		}
		it.Amount = money.Fen(amt)
		sm.Items = append(sm.Items, it)
	}
	return sm, rows.Err()
}

// RecordOutcome records the outcome of one item of a work list. A
// discrepancy opens a case (source sample) with the settlement as evidence.
func (s *Service) RecordOutcome(ctx context.Context, sampleID int64, seq int, outcome, note string) (SampleItem, error) {
	a, err := need(ctx, Workers)
	if err != nil {
		return SampleItem{}, err
	}
	note = strings.TrimSpace(note)
	switch outcome {
	case "confirmed", "unreachable":
	case "discrepancy":
		if note == "" {
			return SampleItem{}, apperr.Field("note", "required", "请说明不符情况", "describe the discrepancy")
		}
	default:
		return SampleItem{}, apperr.Field("outcome", "invalid", "请选择结果", "choose an outcome")
	}
	sm, err := s.Sample(ctx, sampleID)
	if err != nil {
		return SampleItem{}, err
	}
	if seq < 1 || seq > len(sm.Items) {
		return SampleItem{}, apperr.New(apperr.NotFound, "item_not_found", "未找到该抽样条目", "sample item not found")
	}
	it := sm.Items[seq-1]
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var caseID int64
		if outcome == "discrepancy" {
			zh, en := KindLabel(sm.Kind)
			h := rules.Hit{Rule: sm.Kind, Key: "sample:" + itoa64(sampleID) + ":" + itoa(seq), InstitutionID: it.InstitutionID,
				PersonID: it.PersonID, Amount: it.Amount, Zh: zh + "发现不符: " + note, En: en + ": discrepancy: " + note}
			if it.RefType == "settlement" {
				h.Evidence = []rules.Ref{{SettlementID: it.RefID}}
			} else {
				h.Evidence = []rules.Ref{{Note: "claim " + itoa64(it.RefID)}}
			}
			if caseID, _, err = s.openCase(ctx, tx, h, "sample", sm.Period, 0, a.Username); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_sample_items SET outcome = ?, note = ?, done_at = ?, done_by = ?,
			case_id = COALESCE(?, case_id) WHERE sample_id = ? AND seq = ?`, outcome, note, s.stamp(), a.Username, nullID(caseID),
			sampleID, seq); err != nil {
			return err
		}
		it.Outcome, it.Note, it.DoneBy = outcome, note, a.Username
		if caseID != 0 {
			it.CaseID = caseID
		}
		return audit.Record(ctx, tx, "supervise.sample.outcome", "supervise_sample", sampleID, nil, it)
	})
	return it, err
}
