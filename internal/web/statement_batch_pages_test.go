package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/ledger"
	"ncms/internal/money"
	"ncms/internal/statement"
)

// fileApprovedClaim files a manual claim through the console and has two
// reviewers approve it: person 0 (tier 1), an admission at the county
// hospital (level 2), one class A line of 1,000.00. Basic = (1,000.00 −
// deductible 300) × 60% = 420.00. It returns the claim page's path.
func fileApprovedClaim(t *testing.T, a *testApp, sb *his.SandboxFile) string {
	t.Helper()
	var inst, code string
	if err := a.d.QueryRowContext(context.Background(), `SELECT id FROM institutions WHERE level = 'county'`).Scan(&inst); err != nil {
		t.Fatal(err)
	}
	for _, it := range sb.Catalogue {
		if it.Class == "A" && len(it.Levels) == 0 {
			code = it.MedListCodg
			break
		}
	}
	for _, u := range []struct {
		name string
		role access.Role
	}{{"claim.clerk", access.Enrollment}, {"rev1", access.Reviewer}, {"rev2", access.Reviewer}} {
		a.addUser(t, u.name, u.role, a.county)
	}
	today := civil.Of(time.Now().In(china))
	r := a.client(t).login("claim.clerk", "user-pass-1").post("/claims/new", url.Values{"certno": {sb.Persons[0].Certno},
		"institution_id": {inst}, "med_type": {"21"}, "begntime": {today.AddDays(-10).String()}, "endtime": {today.AddDays(-3).String()},
		"invono": {"FP-1"}, "documents": {"invoice", "itemized_bill", "id_copy", "card_copy", "discharge_summary"},
		"payee_name": {"张三"}, "bank_name": {"农商行"}, "bank_account_no": {"6228480000001234"},
		"code_1": {code}, "qty_1": {"1"}, "total_1": {"1000.00"}})
	wantPage(t, r, http.StatusSeeOther)
	page := r.Location
	wantPage(t, a.client(t).login("rev1", "user-pass-1").post(page+"/decide", url.Values{"decision": {"approve"}}), http.StatusSeeOther)
	wantPage(t, a.client(t).login("rev2", "user-pass-1").post(page+"/decide", url.Values{"decision": {"approve"}, "reason": {"材料齐全"}}), http.StatusSeeOther)
	return page
}

// payable returns the balance (credit − debit) of a payable account.
func payable(t *testing.T, d *db.DB, acct ledger.Code) money.Fen {
	t.Helper()
	dr, cr, err := ledger.Sum(context.Background(), d, ledger.Filter{Account: acct})
	if err != nil {
		t.Fatal(err)
	}
	return cr - dr
}

// TestBatchPagesEndToEnd: a real approved manual claim (420.00 to 张三) and a
// real approved statement (the township hospital's 44.80) go into one bank
// batch through the console; the batch is cancelled (reason required) and
// made again; its CSV and XLSX files carry payee, full account, amount and
// reference; the payment is recorded with the claim's line returned by the
// bank, so only the statement is paid; the claim goes into a second batch
// and is paid. Then both are paid and the ledger's payables to institutions
// (2101) and to enrollees (2102) are back to zero.
func TestBatchPagesEndToEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, sb := newSandboxApp(t, d)
		ctx := context.Background()
		a.addDeskClerk(t, "desk.town", "township")
		for name, role := range map[string]access.Role{"fin1": access.Finance, "fin2": access.Finance, "dir1": access.Director} {
			a.addUser(t, name, role, a.county)
		}
		settleOutpatient(t, a.client(t).login("desk.town", "user-pass-1"), sb)
		claimPage := fileApprovedClaim(t, a, sb)
		claimID := strings.TrimPrefix(claimPage, "/claims/")

		period := statement.PeriodOf(deskToday()).String()
		fin1 := a.client(t).login("fin1", "user-pass-1")
		var townID string
		if err := d.QueryRowContext(ctx, `SELECT id FROM institutions WHERE level = 'township'`).Scan(&townID); err != nil {
			t.Fatal(err)
		}
		r := fin1.post("/statements", url.Values{"institution_id": {townID}, "period": {period}})
		wantPage(t, r, http.StatusSeeOther)
		page := r.Location
		sid := strings.TrimPrefix(page, "/statements/")
		wantPage(t, a.client(t).login("fin2", "user-pass-1").post(page+"/step", url.Values{"step": {"check"}}), http.StatusSeeOther)
		wantPage(t, a.client(t).login("dir1", "user-pass-1").post(page+"/step", url.Values{"step": {"approve"}}), http.StatusSeeOther)
		if got, want := payable(t, d, ledger.PayableInstitution), money.MustParse("44.80"); got != want {
			t.Fatalf("payable to institutions before payment %s, want %s", got, want)
		}
		if got, want := payable(t, d, ledger.PayablePerson), money.MustParse("420.00"); got != want {
			t.Fatalf("payable to enrollees before payment %s, want %s", got, want)
		}

		items := func() url.Values { // fresh each time: post adds the client's CSRF token
			return url.Values{"item": {"statement:" + sid, "claim:" + claimID}, "note": {"本月拨付"}}
		}
		wantPage(t, fin1.get("/statements/batches"), http.StatusOK, `value="statement:`+sid+`"`, `value="claim:`+claimID+`"`,
			"44.80", "420.00", `id="payable-total">464.80`, "************1234")
		wantPage(t, fin1.post("/statements/batches", url.Values{}), http.StatusUnprocessableEntity, "请选择要支付的项目")
		wantPage(t, fin1.post("/statements/batches", url.Values{"item": {"statement:999999"}}), http.StatusUnprocessableEntity, "不可支付")
		wantPage(t, a.client(t).login("dir1", "user-pass-1").post("/statements/batches", items()), http.StatusForbidden)

		// First batch: cancelled (a reason is required), its lines payable again.
		r = fin1.post("/statements/batches", items())
		wantPage(t, r, http.StatusSeeOther)
		first := r.Location
		wantPage(t, fin1.get(first), http.StatusOK, `id="batch-total">2 / 464.80`, "待支付")
		wantPage(t, fin1.get(page), http.StatusOK, "已制批", "列入支付批次")
		wantPage(t, fin1.post(first+"/cancel", nil), http.StatusUnprocessableEntity, "请填写作废原因")
		wantPage(t, fin1.post(first+"/cancel", url.Values{"cancel_reason": {"摘要有误"}}), http.StatusSeeOther)
		wantPage(t, fin1.get(first), http.StatusOK, "已作废", "摘要有误")
		wantPage(t, fin1.post(first+"/payment", url.Values{"paid_on": {deskToday().String()}, "bank_ref": {"X"}}), http.StatusConflict, "已支付或已作废")

		// Second batch: the files, then the payment with the claim returned.
		r = fin1.post("/statements/batches", items())
		wantPage(t, r, http.StatusSeeOther)
		batch := r.Location
		f := fin1.get(batch + "/file?format=csv")
		wantPage(t, f, http.StatusOK)
		if ct := f.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("csv content type %q", ct)
		}
		rows, err := csv.NewReader(strings.NewReader(f.Body)).ReadAll()
		if err != nil || len(rows) != 3 {
			t.Fatalf("csv: %v %q", err, rows)
		}
		want := map[string][]string{
			"44.80":  {"沙盒镇中心卫生院", "6228480012345678901", "新农合" + period + "月结算"},
			"420.00": {"张三", "6228480000001234", "新农合零星报销 BX" + claimID},
		}
		for _, row := range rows[1:] {
			w, ok := want[row[4]]
			if !ok || row[1] != w[0] || row[3] != w[1] || !strings.HasPrefix(row[5], w[2]) {
				t.Fatalf("csv row %q", row)
			}
		}
		x := fin1.get(batch + "/file?format=xlsx")
		wantPage(t, x, http.StatusOK)
		book, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		if err != nil {
			t.Fatal(err)
		}
		xrows, err := book.GetRows("batch")
		if err != nil || len(xrows) != 3 || xrows[0][1] != "收款人 payee" {
			t.Fatalf("xlsx: %v %q", err, xrows)
		}
		for i := range rows {
			if strings.Join(xrows[i], "|") != strings.Join(rows[i], "|") {
				t.Fatalf("xlsx row %d %q, csv %q", i, xrows[i], rows[i])
			}
		}

		claimSeq := "1"
		if rows[2][4] == "420.00" {
			claimSeq = "2"
		}
		wantPage(t, fin1.post(batch+"/payment", url.Values{"paid_on": {deskToday().String()}}), http.StatusUnprocessableEntity, "请填写银行流水号")
		wantPage(t, fin1.post(batch+"/payment", url.Values{"paid_on": {deskToday().AddDays(1).String()}, "bank_ref": {"NX1"}}),
			http.StatusUnprocessableEntity, "支付日期不能晚于今天")
		wantPage(t, fin1.post(batch+"/payment", url.Values{"paid_on": {deskToday().String()}, "bank_ref": {"NX1"}, "failed": {"9"}}),
			http.StatusUnprocessableEntity, "退回的行号不在该批次中")
		wantPage(t, fin1.post(batch+"/payment", url.Values{"paid_on": {deskToday().String()}, "bank_ref": {"NX20240101"},
			"failed": {claimSeq}}), http.StatusSeeOther)
		wantPage(t, fin1.get(batch), http.StatusOK, "已支付", `id="batch-total">1 / 44.80`, "NX20240101", "已移出")
		wantPage(t, fin1.get(page), http.StatusOK, "已支付", "NX20240101")
		if got := payable(t, d, ledger.PayableInstitution); got != 0 {
			t.Fatalf("payable to institutions after payment %s", got)
		}
		if got := payable(t, d, ledger.PayablePerson); got != money.MustParse("420.00") {
			t.Fatalf("payable to enrollees after the claim was returned %s", got)
		}

		// The returned claim is payable again; a third batch pays it.
		wantPage(t, fin1.get("/statements/batches"), http.StatusOK, `value="claim:`+claimID+`"`, `id="payable-total">420.00`)
		r = fin1.post("/statements/batches", url.Values{"item": {"claim:" + claimID}})
		wantPage(t, r, http.StatusSeeOther)
		wantPage(t, fin1.post(r.Location+"/payment", url.Values{"paid_on": {deskToday().String()}, "bank_ref": {"NX20240102"}}), http.StatusSeeOther)
		var stage string
		if err := d.QueryRowContext(ctx, `SELECT stage FROM claims WHERE id = ?`, claimID).Scan(&stage); err != nil || stage != "paid" {
			t.Fatalf("claim stage %q %v", stage, err)
		}
		var status string
		if err := d.QueryRowContext(ctx, `SELECT status FROM statements WHERE id = ?`, sid).Scan(&status); err != nil || status != statement.Paid {
			t.Fatalf("statement status %q %v", status, err)
		}
		if p1, p2 := payable(t, d, ledger.PayableInstitution), payable(t, d, ledger.PayablePerson); p1 != 0 || p2 != 0 {
			t.Fatalf("payables after payment: institutions %s, enrollees %s", p1, p2)
		}
		if got := fin1.get("/statements/batches"); !strings.Contains(got.Body, "没有待支付的项目") {
			t.Fatalf("something still payable: %s", got.Body)
		}
	})
}
