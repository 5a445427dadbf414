package claims

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/ledger"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// postApproval posts an approved claim to the fund ledger in the approving
// transaction (docs/ledger.md, event "claim"): expense per layer and visit
// kind against the payable to the person. A claim the funds pay nothing of
// posts nothing.
func postApproval(ctx context.Context, tx *db.Tx, cl *Claim, r settle.ClaimResult, on civil.Date) error {
	x := r.Result
	_, err := ledger.PostIfAny(ctx, tx, ledger.ForClaim(r.Year, on, cl.ID, cl.PersonID, x.Kind, cl.InstitutionID,
		ledger.Layers{Basic: x.Basic, Catastrophic: x.Catastrophic, Assistance: x.Assistance,
			Backstop: x.Other - x.PublicHealth, PublicHealth: x.PublicHealth}, Reference(cl.ID)))
	return err
}

// postPayment posts the bank transfer of a claim (event "claim_payment",
// event id = the claim id: a claim is paid once, in full).
func postPayment(ctx context.Context, tx *db.Tx, year int, claimID, personID int64, amount money.Fen, on civil.Date, batchRef string) error {
	_, err := ledger.Post(ctx, tx, ledger.ForClaimPayment(year, on, claimID, personID, amount, Reference(claimID)+" "+batchRef))
	return err
}
