package enroll

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// The fund ledger's entries for enrollment money (docs/ledger.md), posted
// in the transaction of the event they record.

func ledgerShares(shares []Share) []ledger.SourceAmount {
	out := make([]ledger.SourceAmount, 0, len(shares))
	for _, s := range shares {
		out = append(out, ledger.SourceAmount{Source: string(s.Source), Amount: s.Amount})
	}
	return out
}

// postReceipt posts a desk receipt: the individual share to the bank, the
// other sources' shares as receivables, all as contribution income.
func postReceipt(ctx context.Context, tx *db.Tx, q Quote, payID int64, receiptNo string) error {
	_, err := ledger.PostIfAny(ctx, tx, ledger.ForContribution(q.Year, q.PaidOn, payID, "收据 "+receiptNo, ledgerShares(q.BySource)))
	return err
}

// postRefund posts a cancellation: the shares of the reversing
// contribution rows of payment revID, mirrored.
func postRefund(ctx context.Context, tx *db.Tx, year int, on civil.Date, revID int64, reason string) error {
	rows, err := tx.QueryContext(ctx, `SELECT source, SUM(amount) FROM contributions WHERE payment_id = ? AND reverses_id IS NOT NULL
		GROUP BY source ORDER BY source`, revID)
	if err != nil {
		return err
	}
	var shares []ledger.SourceAmount
	for rows.Next() {
		var src string
		var amt int64
		if err := rows.Scan(&src, &amt); err != nil {
			rows.Close()
			return err
		}
		shares = append(shares, ledger.SourceAmount{Source: src, Amount: -money.Fen(amt)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = ledger.PostIfAny(ctx, tx, ledger.ForContributionRefund(year, on, revID, reason, shares))
	return err
}

// postArrival posts an arrival (or, with its negative amount, the reversal
// of one) from its stored row.
func postArrival(ctx context.Context, tx *db.Tx, id int64) error {
	var year int
	var src, note string
	var amt int64
	var on civil.Date
	var rev any
	if err := tx.QueryRowContext(ctx, `SELECT year, source, amount, arrived_on, note, reverses_id FROM contribution_arrivals WHERE id = ?`,
		id).Scan(&year, &src, &amt, &on, &note, &rev); err != nil {
		return err
	}
	kind := ledger.EvArrival
	if rev != nil {
		kind = ledger.EvArrivalReversal
	}
	_, err := ledger.Post(ctx, tx, ledger.ForArrival(kind, year, on, id, src, money.Fen(amt), note))
	return err
}
