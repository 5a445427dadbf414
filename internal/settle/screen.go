package settle

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/db"
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
}

// screenSettled calls the hook, if any.
func (s *Service) screenSettled(ctx context.Context, tx *db.Tx, p *prepared, v Visit, out *Settlement) error {
	if s.screen == nil {
		return nil
	}
	return s.screen.ScreenSettlement(ctx, tx, Screened{Settlement: out, Visit: v, Level: string(p.inst.Level)})
}

// screenClaim calls the claim check of the hook, if any.
func (s *Service) screenClaim(ctx context.Context, personID, institutionID int64, d civil.Date) error {
	if s.screen == nil {
		return nil
	}
	return s.screen.CheckClaim(ctx, s.db, personID, institutionID, d)
}
