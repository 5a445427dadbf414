package statement

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/db"
)

// KindClaim is the item kind of approved manual claims.
const KindClaim = "claim"

// Claims makes approved manual reimbursements (internal/claims) payable by
// bank batches.
type Claims struct{ Svc *claims.Service }

// Kind returns "claim".
func (c Claims) Kind() string { return KindClaim }

// ListPayable returns the approved, unpaid claims.
func (c Claims) ListPayable(ctx context.Context, _ db.Querier) ([]Item, error) {
	ps, err := c.Svc.ListPayable(ctx, civil.Date{})
	if err != nil {
		return nil, err
	}
	out := make([]Item, 0, len(ps))
	for _, p := range ps {
		out = append(out, Item{Kind: KindClaim, RefID: p.ClaimID, Payee: p.PayeeName, BankName: p.BankName,
			Account: p.BankAccountNo, Amount: p.Amount, Reference: "新农合零星报销 " + p.Reference})
	}
	return out, nil
}

// MarkPaid marks the claims paid (and posts their payments) in tx.
func (c Claims) MarkPaid(ctx context.Context, tx *db.Tx, ids []int64, paidOn civil.Date, bankRef string) error {
	for _, id := range ids {
		if err := c.Svc.MarkPaid(ctx, tx, id, bankRef, paidOn); err != nil {
			return err
		}
	}
	return nil
}
