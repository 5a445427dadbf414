package ledger_test

import (
	"context"
	"testing"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// TestChartMatchesTable checks that the Go chart and the seeded accounts
// of migration 0013 agree, code by code.
func TestChartMatchesTable(t *testing.T) {
	d := dbtest.SQLite(t)
	rows, err := d.QueryContext(context.Background(), `SELECT code, name_zh, kind, normal, keyed FROM ledger_accounts ORDER BY code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var code, zh, kind, normal, keyed string
		if err := rows.Scan(&code, &zh, &kind, &normal, &keyed); err != nil {
			t.Fatal(err)
		}
		a, ok := ledger.Lookup(ledger.Code(code))
		if !ok || a.Zh != zh || string(a.Kind) != kind || a.Debit != (normal == "debit") || string(a.Keyed) != keyed {
			t.Errorf("account %s: table (%s %s %s %q) vs chart %+v", code, zh, kind, normal, keyed, a)
		}
		n++
	}
	if n != len(ledger.Accounts) {
		t.Errorf("table has %d accounts, chart %d", n, len(ledger.Accounts))
	}
}

func TestPostRefusesBadEntries(t *testing.T) {
	day := civil.New(2026, 3, 1)
	y := money.Yuan
	cases := map[string]ledger.Entry{
		"empty":          {Year: 2026, Date: day, Kind: ledger.EvInterest},
		"unbalanced":     {Year: 2026, Date: day, Kind: ledger.EvInterest, Lines: []ledger.Line{ledger.Dr(ledger.Bank, y(10)), ledger.Cr(ledger.InterestIncome, y(9))}},
		"unknown kind":   {Year: 2026, Date: day, Kind: "gift", Lines: []ledger.Line{ledger.Dr(ledger.Bank, y(1)), ledger.Cr(ledger.InterestIncome, y(1))}},
		"no institution": ledger.ForDeduction(2026, day, 1, 0, y(5), ""),
		"no key":         {Year: 2026, Date: day, Kind: ledger.EvArrival, Lines: []ledger.Line{ledger.Dr(ledger.Bank, y(1)), ledger.Cr(ledger.Receivable, y(1))}},
		"both sides":     {Year: 2026, Date: day, Kind: ledger.EvInterest, Lines: []ledger.Line{{Account: ledger.Bank, Debit: 5, Credit: 5}}},
		"no date":        {Year: 2026, Kind: ledger.EvInterest, Lines: []ledger.Line{ledger.Dr(ledger.Bank, y(1)), ledger.Cr(ledger.InterestIncome, y(1))}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for name, e := range cases {
			err := d.InTx(ctx, func(tx *db.Tx) error { _, err := ledger.Post(ctx, tx, e); return err })
			if err == nil {
				t.Errorf("%s: posted", name)
			}
		}
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_postings`).Scan(&n); err != nil || n != 0 {
			t.Errorf("postings after refusals: %d %v", n, err)
		}
	})
}

func TestReverseMirrorsAndKeepsOriginal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		day := civil.New(2026, 3, 1)
		var id, rev int64
		err := d.InTx(ctx, func(tx *db.Tx) (err error) {
			id, err = ledger.Post(ctx, tx, ledger.ForInterest(2026, day, 7, money.MustParse("1234.56"), "Q1"))
			if err != nil {
				return err
			}
			rev, err = ledger.Reverse(ctx, tx, id, ledger.EvCorrection, id, day.AddDays(1), "wrong amount")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			_, err := ledger.Reverse(ctx, tx, id, ledger.EvCorrection, id, day, "again")
			return err
		})
		if err == nil {
			t.Error("reversed twice")
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			_, err := ledger.Reverse(ctx, tx, rev, ledger.EvCorrection, rev, day, "reverse the reversal")
			return err
		})
		if err == nil {
			t.Error("reversed a reversal")
		}
		var bank, income int64
		if err := d.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN account = '1001' THEN debit - credit END), 0),
			COALESCE(SUM(CASE WHEN account = '4201' THEN credit - debit END), 0) FROM ledger_postings`).Scan(&bank, &income); err != nil {
			t.Fatal(err)
		}
		if bank != 0 || income != 0 {
			t.Errorf("after reversal bank %d income %d, want 0", bank, income)
		}
		var d1, c1 int64
		if err := d.QueryRowContext(ctx, `SELECT debit, credit FROM ledger_postings WHERE entry_id = ? AND line = 1`, id).Scan(&d1, &c1); err != nil {
			t.Fatal(err)
		}
		if d1 != 123456 || c1 != 0 {
			t.Errorf("original line changed: %d/%d", d1, c1)
		}
	})
}
