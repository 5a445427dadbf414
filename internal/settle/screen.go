package settle

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// Screen is supervision's hook into settlement (SPEC §10; internal/supervise
// implements it, docs/supervision.md). Options.Screen nil switches it off.
type Screen interface {
	// ScreenSettlement runs inside the settlement transaction, after the
	// settlement and its lines are stored and before the audit row. It may
	// write (open cases) in tx; an error refuses the settlement and rolls
	// the whole transaction back (a blacklisted person or institution, or a
	// rule configured to block).
	ScreenSettlement(ctx context.Context, tx *db.Tx, s Screened) error
	// CheckClaim refuses filing a manual claim for a person or at an
	// institution blacklisted with effect "block" on day (0: not checked).
	CheckClaim(ctx context.Context, q db.Querier, personID, institutionID int64, day civil.Date) error
}

// Screened is the settlement being screened.
type Screened struct {
	Settlement *Settlement // stored: ID set, amounts in Result
	Visit      Visit
	Level      string // the institution's level
	// Lines are the settlement's lines as stored, in the order they were
	// stored (fee_lines.id), as settlement just marked them settled; nil
	// when the caller did not read them (the hook reads them then).
	Lines []ScreenLine
}

// ScreenLine is a settled line as stored (fee_lines) with the catalogue
// facts the snapshot lacks, for the screening rules.
type ScreenLine struct {
	ID       int64 // fee_lines.id
	SN       string
	Code     string
	Name     string
	Kind     string // catalogue kind (drug, service, facility); "" when the line's catalogue entry is not found
	FeeType  string // catalogue med_chrgitm_type; "" as Kind
	Class    string
	Levels   []string // levels where reimbursable; empty all
	Approval int
	Qty      int64 // 1/10,000 units
	Price    int64 // 1/1,000,000 yuan
	PriceCap int64 // 1/1,000,000 yuan; 0 none
	RefPrice int64 // catalogue reference price, 1/1,000,000 yuan; 0 unknown or not found
	Total    money.Fen
	InScope  money.Fen // as split at upload (fee_lines.inscp)
}

// markSettled marks the visit's open lines settled by settlementID. With a
// screening hook the same statement returns them with their catalogue facts
// (the hook's rules need them), instead of the hook reading again the lines
// just written.
func (s *Service) markSettled(ctx context.Context, tx *db.Tx, settlementID, visitID int64) ([]ScreenLine, error) {
	const update = `UPDATE fee_lines SET status = 'settled', settlement_id = ? WHERE visit_id = ? AND status = 'open'`
	if s.screen == nil {
		_, err := tx.ExecContext(ctx, update, settlementID, visitID)
		return nil, err
	}
	// The catalogue facts as scalar subqueries: SQLite's RETURNING may
	// name only the updated table, not one joined in UPDATE ... FROM.
	rows, err := tx.QueryContext(ctx, update+` RETURNING id, feedetl_sn, code, name,
		COALESCE((SELECT c.kind FROM catalog_entries c WHERE c.id = fee_lines.catalog_id), ''),
		COALESCE((SELECT c.fee_type FROM catalog_entries c WHERE c.id = fee_lines.catalog_id), ''),
		class, levels, approval, qty, price, price_cap,
		COALESCE((SELECT c.price FROM catalog_entries c WHERE c.id = fee_lines.catalog_id), 0), total, inscp`, settlementID, visitID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ScreenLine
	for rows.Next() {
		var l ScreenLine
		var levels string
		var total, inscp int64
		if err := rows.Scan(&l.ID, &l.SN, &l.Code, &l.Name, &l.Kind, &l.FeeType, &l.Class, &levels, &l.Approval, &l.Qty,
			&l.Price, &l.PriceCap, &l.RefPrice, &total, &inscp); err != nil {
			return nil, err
		}
		l.Total, l.InScope = moneyFen(total), moneyFen(inscp)
		if levels != "" {
			l.Levels = strings.Split(levels, ",")
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// RETURNING gives the rows in no stated order.
	slices.SortFunc(out, func(a, b ScreenLine) int { return cmp.Compare(a.ID, b.ID) })
	if out == nil {
		out = []ScreenLine{} // read, and none: not nil ("not read")
	}
	return out, nil
}

// screenSettled calls the hook, if any, with the lines markSettled returned.
func (s *Service) screenSettled(ctx context.Context, tx *db.Tx, p *prepared, v Visit, out *Settlement, lines []ScreenLine) error {
	if s.screen == nil {
		return nil
	}
	return s.screen.ScreenSettlement(ctx, tx, Screened{Settlement: out, Visit: v, Level: string(p.inst.Level), Lines: lines})
}

// screenClaim calls the claim check of the hook, if any.
func (s *Service) screenClaim(ctx context.Context, personID, institutionID int64, d civil.Date) error {
	if s.screen == nil {
		return nil
	}
	return s.screen.CheckClaim(ctx, s.db, personID, institutionID, d)
}
