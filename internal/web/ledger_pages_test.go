package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// The fund pages: interest and an opening balance posted from the console
// appear in the fund report, the trial balance balances, a total drills
// down to its postings and a posting to its entry and event; the report
// exports as a workbook; a desk clerk may not read the books.
func TestFundAndLedgerPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		a.addUser(t, "finance1", access.Finance, a.county)
		a.addUser(t, "clerk", access.Enrollment, a.county)
		fin := a.client(t).login("finance1", "user-pass-1")
		wantPage(t, fin.post("/fund/events", url.Values{"year": {"2025"}, "kind": {"opening_balance"}, "amount": {"1000000.00"}, "on": {"2025-01-01"}}), http.StatusSeeOther)
		wantPage(t, fin.post("/fund/events", url.Values{"year": {"2025"}, "kind": {"interest"}, "amount": {"2345.67"}, "on": {"2025-03-21"}, "reference": {"结息"}}), http.StatusSeeOther)
		wantPage(t, fin.post("/fund/events", url.Values{"year": {"2025"}, "amount": {"1.234"}, "on": {"2025-03-21"}}), http.StatusUnprocessableEntity, "金额格式错误")
		wantPage(t, fin.post("/fund/allocation", url.Values{"year": {"2025"}, "reserve_rate": {"abc"}}), http.StatusUnprocessableEntity, "比例格式错误")

		wantPage(t, fin.get("/fund?year=2025"), http.StatusOK, `id="balance">1,002,345.67`)
		wantPage(t, fin.get("/ledger?year=2025"), http.StatusOK, `id="balanced"`, `id="total-debit">1002345.67`, "基金专户存款")
		st := fin.get("/ledger/postings?year=2025&account=1001")
		wantPage(t, st, http.StatusOK, `id="closing">1002345.67`, "1002345.67", "利息收入")
		i := strings.Index(st.Body, `href="/ledger/entries/`)
		if i < 0 {
			t.Fatal("no link from a posting to its entry")
		}
		link := st.Body[i+6 : i+6+strings.Index(st.Body[i+6:], `"`)]
		wantPage(t, fin.get(link), http.StatusOK, "期初结余", `href="/fund?year=2025"`)
		x := fin.get("/fund?year=2025&format=xlsx")
		if x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheet") {
			t.Fatalf("xlsx export: %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		clerk := a.client(t).login("clerk", "user-pass-1")
		wantPage(t, clerk.get("/ledger"), http.StatusForbidden)
		wantPage(t, clerk.post("/fund/events", url.Values{"year": {"2025"}, "amount": {"5"}, "on": {"2025-03-21"}}), http.StatusForbidden)
	})
}
