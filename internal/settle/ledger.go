package settle

import (
	"context"

	"ncms/internal/db"
	"ncms/internal/ledger"
)

// postLedger posts a stored settlement (or reversal) to the fund ledger in
// the settling transaction: expense per layer and visit kind against the
// payable to the institution (docs/ledger.md). A settlement the funds pay
// nothing of posts nothing. year is the scheme year (ytd_year).
func postLedger(ctx context.Context, tx *db.Tx, year int, st *Settlement) error {
	r := st.Result
	_, err := ledger.PostIfAny(ctx, tx, ledger.ForSettlement(ledger.Settlement{
		ID: st.ID, Year: year, Date: st.Date, Institution: st.InstitutionID, VisitKind: st.Kind,
		Reversal: st.Reverses != 0,
		Layers: ledger.Layers{Basic: r.Basic, Catastrophic: r.Catastrophic, Assistance: r.Assistance,
			Backstop: r.Other - r.PublicHealth, PublicHealth: r.PublicHealth},
	}))
	return err
}
