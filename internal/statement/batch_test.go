package statement_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/ledger"
	"ncms/internal/statement"
)

// TestLateSettlementsRollOver: a statement's figures are frozen when it is
// prepared; what is settled afterwards goes to the next month, never lost
// and never counted twice.
func TestLateSettlementsRollOver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, statement.Options{})
		f.clock.Set("2008-03-10")
		s1 := f.admit("town", "1000.00", "") // 700
		f.clock.Set("2008-03-20")
		mar, err := f.svc.Prepare(alice, f.inst["town"], period("2008-03"))
		if err != nil || mar.Settlements != 1 || mar.Advanced != y("700.00") {
			t.Fatalf("March prepared on the 20th: %v %+v", err, mar)
		}
		if _, err := f.svc.Prepare(alice, f.inst["town"], period("2008-05")); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("a month not yet begun: %v", err)
		}
		f.clock.Set("2008-03-25")
		f.admit("town", "2000.00", "") // 1,400, settled after March was prepared
		f.clock.Set("2008-03-26")
		f.reverse("town", s1) // −700
		if _, err := f.svc.Check(bob, mar.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Get(audi, mar.ID); got.Advanced != y("700.00") || got.Reversed != 0 || got.Settlements != 1 {
			t.Fatalf("March changed after it was prepared: %+v", got)
		}
		if _, err := f.svc.Prepare(alice, f.inst["town"], period("2008-03")); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("checked March prepared again: %v", err)
		}
		f.clock.Set("2008-04-02")
		apr, err := f.svc.Prepare(alice, f.inst["town"], period("2008-04"))
		if err != nil {
			t.Fatal(err)
		}
		if apr.Settlements != 1 || apr.Reversals != 1 || apr.Late != 2 || apr.Advanced != y("1400.00") ||
			apr.Reversed != y("700.00") || apr.Payable != y("700.00") {
			t.Fatalf("April: %+v", apr)
		}
		if _, err := f.svc.Prepare(alice, f.inst["town"], period("2008-02")); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("a month before the latest statement: %v", err)
		}
		// Every settlement row is in exactly one statement; together they
		// pay the net fund share: 700 + 1,400 − 700.
		if n, m := f.count(`SELECT COUNT(*) FROM settlements`), f.count(`SELECT COUNT(*) FROM statement_settlements`); n != 3 || m != 3 {
			t.Fatalf("%d settlements, %d taken", n, m)
		}
		if mar.Payable+apr.Payable != y("1400.00") {
			t.Fatalf("March + April = %s, want 1400.00", mar.Payable+apr.Payable)
		}
	})
}

// failingSource is a payee source whose MarkPaid fails, as a claims
// service would when a claim changed under the batch.
type failingSource struct{ fail bool }

func (s *failingSource) Kind() string { return "test" }
func (s *failingSource) ListPayable(context.Context, db.Querier) ([]statement.Item, error) {
	return []statement.Item{{RefID: 7, Payee: "王五", BankName: "农业银行", Account: "6228480012345678", Amount: y("321.09"), Reference: "BX7"}}, nil
}
func (s *failingSource) MarkPaid(context.Context, *db.Tx, []int64, civil.Date, string) error {
	if s.fail {
		return apperr.New(apperr.Conflict, "not_payable", "报销已变更", "the claim changed")
	}
	return nil
}

func TestBatchExportAndPayment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		src := &failingSource{fail: true}
		f := newFixture(t, d, statement.Options{Sources: []statement.Source{src}})
		f.clock.Set("2008-01-15")
		f.admit("town", "1000.00", "")     // 700
		f.admit("district", "2000.00", "") // 1,000
		if _, err := f.svc.AddDeduction(ivan, statement.Deduction{InstitutionID: f.inst["district"], Amount: y("100.00"),
			Reason: "超标准收费", SourceType: "inspection_case", SourceRef: "JC-1"}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set("2008-02-03")
		town := f.approve("town", period("2008-01"))
		dist := f.approve("district", period("2008-01"))
		if town.Payable != y("700.00") || dist.Payable != y("900.00") || dist.Deducted != y("100.00") {
			t.Fatalf("payable town %s district %s", town.Payable, dist.Payable)
		}
		items, err := f.svc.Payable(alice)
		if err != nil || len(items) != 3 {
			t.Fatalf("payable: %v %+v", err, items)
		}
		refs := []statement.Ref{{Kind: "statement", RefID: town.ID}, {Kind: "statement", RefID: dist.ID}, {Kind: "test", RefID: 7}}
		if _, err := f.svc.CreateBatch(bob, nil, ""); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("empty batch: %v", err)
		}
		if _, err := f.svc.CreateBatch(dora, refs, ""); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("director made a batch: %v", err)
		}
		b, err := f.svc.CreateBatch(bob, refs, "2008年1月")
		if err != nil || b.Total != y("1921.09") || b.Items != 3 {
			t.Fatalf("batch: %v %+v", err, b)
		}
		if _, err := f.svc.CreateBatch(bob, refs[:1], ""); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("a statement batched twice: %v", err)
		}
		if st, _ := f.svc.Get(audi, town.ID); st.Status != statement.Batched {
			t.Fatalf("town is %s, want batched", st.Status)
		}

		wantRows := [][]string{
			{"序号 seq", "收款人 payee", "开户行 bank", "账号 account", "金额 amount", "摘要 reference"},
			{"1", "石楼镇卫生院", "农村信用社", "00622010001", "700.00", fmt.Sprintf("新农合2008-01月结算 H44011300001 ST%d", town.ID)},
			{"2", "番禺区人民医院", "农村信用社", "00622010002", "900.00", fmt.Sprintf("新农合2008-01月结算 H44011300002 ST%d", dist.ID)},
			{"3", "王五", "农业银行", "6228480012345678", "321.09", "BX7"},
		}
		var csvBuf bytes.Buffer
		if err := statement.WriteCSV(&csvBuf, b); err != nil {
			t.Fatal(err)
		}
		var wantCSV strings.Builder
		for _, r := range wantRows {
			wantCSV.WriteString(strings.Join(r, ",") + "\n")
		}
		if csvBuf.String() != wantCSV.String() {
			t.Errorf("CSV:\n%s\nwant\n%s", csvBuf.String(), wantCSV.String())
		}
		var xBuf bytes.Buffer
		if err := statement.WriteXLSX(&xBuf, b); err != nil {
			t.Fatal(err)
		}
		xf, err := excelize.OpenReader(&xBuf)
		if err != nil {
			t.Fatal(err)
		}
		got, err := xf.GetRows("batch")
		if err != nil || fmt.Sprint(got) != fmt.Sprint(wantRows) {
			t.Errorf("XLSX rows: %v %v\nwant %v", err, got, wantRows)
		}

		// The claim source fails: nothing at all is recorded.
		pay := statement.Payment{PaidOn: civil.MustParse("2008-02-03"), BankRef: "NX20080203001"}
		if _, err := f.svc.RecordPayment(bob, b.ID, statement.Payment{PaidOn: pay.PaidOn}); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("payment without a bank reference: %v", err)
		}
		if _, err := f.svc.RecordPayment(bob, b.ID, pay); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("payment with a failing item: %v", err)
		}
		if st, _ := f.svc.Get(audi, town.ID); st.Status != statement.Batched || !st.PaidOn.IsZero() {
			t.Fatalf("town after a failed payment: %+v", st)
		}
		if gb, _ := f.svc.GetBatch(audi, b.ID); gb.Status != statement.BatchOpen {
			t.Fatalf("batch after a failed payment: %s", gb.Status)
		}
		if n := f.count(`SELECT COUNT(*) FROM ledger_entries WHERE event_kind = 'institution_payment'`); n != 0 {
			t.Fatalf("%d payment entries after a failed payment", n)
		}
		// The bank returns line 3: the two statements are paid.
		pay.Failed = []int{3}
		b, err = f.svc.RecordPayment(bob, b.ID, pay)
		if err != nil || b.Status != statement.BatchPaid || b.Total != y("1600.00") || b.Items != 2 {
			t.Fatalf("payment: %v %+v", err, b)
		}
		if st, _ := f.svc.Get(audi, dist.ID); st.Status != statement.Paid || st.PaidOn != pay.PaidOn || st.BankRef != "NX20080203001" {
			t.Fatalf("district after payment: %+v", st)
		}
		if items, _ := f.svc.Payable(alice); len(items) != 1 || items[0].Kind != "test" {
			t.Fatalf("payable after payment: %+v", items)
		}
		// The ledger's payable to each institution is back to zero.
		for key, want := range map[string][3]string{"town": {"700.00", "0.00", "700.00"}, "district": {"1000.00", "100.00", "900.00"}} {
			pos, err := ledger.InstitutionPosition(context.Background(), d, f.inst[key], 0)
			if err != nil || pos.Advanced != y(want[0]) || pos.Deducted != y(want[1]) || pos.Paid != y(want[2]) || pos.Payable != 0 {
				t.Errorf("%s ledger position: %v %+v", key, err, pos)
			}
		}
		f.clock.Set("2008-02-20")
		f.admit("town", "100.00", "")
		f.clock.Set("2008-03-02")
		feb := f.approve("town", period("2008-02"))
		if feb.PaidBefore != y("700.00") {
			t.Errorf("paid before February: %s, want 700.00", feb.PaidBefore)
		}
		// A cancelled batch gives its statements back.
		b2, err := f.svc.CreateBatch(bob, []statement.Ref{{Kind: "statement", RefID: feb.ID}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CancelBatch(bob, b2.ID, ""); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("cancel without reason: %v", err)
		}
		if _, err := f.svc.CancelBatch(bob, b2.ID, "账号有误"); err != nil {
			t.Fatal(err)
		}
		if st, _ := f.svc.Get(audi, feb.ID); st.Status != statement.Approved {
			t.Fatalf("February after the batch was cancelled: %s", st.Status)
		}
		if _, err := f.svc.CreateBatch(bob, []statement.Ref{{Kind: "statement", RefID: feb.ID}}, ""); err != nil {
			t.Fatalf("batch again after a cancel: %v", err)
		}
	})
}
