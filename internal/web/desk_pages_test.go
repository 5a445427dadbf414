package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// newSandboxApp is the console over the HIS sandbox county (scheme A for
// this year, township/county/city institutions, two enrolled households,
// the sandbox catalogue).
func newSandboxApp(t *testing.T, d *db.DB) (*testApp, *his.SandboxFile) {
	t.Helper()
	yaml, err := os.ReadFile("../../schemes/chongqing-2013.yaml")
	if err != nil {
		t.Fatal(err)
	}
	kb := make([]byte, 32)
	_, _ = rand.Read(kb)
	key, err := institution.NewKey(kb)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sb, err := his.CreateSandbox(ctx, d, his.SandboxOptions{SchemeFile: "chongqing-2013.yaml", SchemeYAML: yaml, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	a := &testApp{d: d, auth: auth.New(d, auth.Options{BcryptCost: bcrypt.MinCost})}
	if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE parent_id IS NULL`).Scan(&a.county); err != nil {
		t.Fatal(err)
	}
	a.srv = httptest.NewServer(httpx.Wrap(New(Config{DB: d, Auth: a.auth}), slog.New(slog.DiscardHandler)))
	t.Cleanup(a.srv.Close)
	return a, sb
}

// addDeskClerk creates an institution clerk of the institution of level.
func (a *testApp) addDeskClerk(t *testing.T, username, level string) int64 {
	t.Helper()
	var id int64
	if err := a.d.QueryRowContext(context.Background(), `SELECT id FROM institutions WHERE level = ?`, level).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.auth.CreateUser(a.sys(), auth.UserInput{Username: username, DisplayName: username,
		Role: access.Institution, InstitutionID: id, Password: "user-pass-1"}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (a *testApp) rows(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := a.d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The desk end to end with the sandbox outpatient visit worked by hand
// (docs/his.md "Sandbox"): 一般诊疗费 10.00 + 阿莫西林 24 × 0.25 = 6.00 +
// 头孢克肟 10 × 3.20 = 32.00 (class B 10%: first self-pay 3.20, in scope
// 28.80) + 阿胶补血口服液 50.00 (class C) = 98.00; in scope 44.80, all paid
// from the 60-yuan outpatient quota: fund 44.80, cash 53.20. Bad input
// writes nothing; another institution gets 404; county finance reads.
func TestDeskPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, sb := newSandboxApp(t, d)
		town := a.addDeskClerk(t, "desk.town", "township")
		a.addDeskClerk(t, "desk.county", "county")
		a.addUser(t, "fin.county", access.Finance, a.county)
		p := sb.Persons[0]
		c := a.client(t).login("desk.town", "user-pass-1")

		wantPage(t, c.get("/desk"), http.StatusOK, "结算台", `id="desk-find"`)
		wantPage(t, c.post("/desk/find", url.Values{"name": {"张大山"}}), http.StatusUnprocessableEntity, "请填写身份证号")
		wantPage(t, c.post("/desk/find", url.Values{"id_number": {"123"}}), http.StatusUnprocessableEntity, "身份证号无效")
		r := c.post("/desk/find", url.Values{"id_number": {p.Certno}})
		wantPage(t, r, http.StatusSeeOther)
		if r.Location != "/desk/persons/"+p.PsnNo {
			t.Fatalf("find: to %q", r.Location)
		}
		person := c.get(r.Location)
		wantPage(t, person, http.StatusOK, p.PsnName, "已参合，可以结算", "第1档")
		if strings.Contains(person.Body, p.Certno) {
			t.Fatal("full ID number on the desk")
		}
		lastYear := strconv.Itoa(deskToday().Year-1) + "-06-01"
		notCovered := c.get(r.Location + "?date=" + lastYear)
		wantPage(t, notCovered, http.StatusOK, "不能结算", lastYear)
		if strings.Contains(notCovered.Body, `id="desk-register"`) {
			t.Fatal("registration offered for a day the person is not covered")
		}

		wantPage(t, c.post("/desk/visits", url.Values{"person_id": {p.PsnNo}, "med_type": {"11"}, "date": {""}}),
			http.StatusUnprocessableEntity, "请填写就诊日期")
		wantPage(t, c.post("/desk/visits", url.Values{"person_id": {p.PsnNo}, "med_type": {"11"}, "date": {deskToday().String()}, "diagnoses": {"感冒"}}),
			http.StatusUnprocessableEntity, "不是ICD-10编码")
		if n := a.rows(t, "visits"); n != 0 {
			t.Fatalf("%d visits after bad input", n)
		}
		r = c.post("/desk/visits", url.Values{"person_id": {p.PsnNo}, "med_type": {"11"}, "date": {deskToday().String()}, "diagnoses": {"J06.9"}})
		wantPage(t, r, http.StatusSeeOther)
		visit := r.Location
		wantPage(t, c.get(visit+"?code=S110200001"), http.StatusOK, `id="desk-item"`, "一般诊疗费", "10.00")
		wantPage(t, c.get(visit+"?q=阿莫西林"), http.StatusOK, "XJ01CAA040A001010101445")

		wantPage(t, c.post(visit+"/lines", url.Values{"code": {"S110200001"}, "qty": {"abc"}, "next_sn": {"1"}}),
			http.StatusUnprocessableEntity, "数量应为正数")
		wantPage(t, c.post(visit+"/lines", url.Values{"code": {"NOPE"}, "qty": {"1"}, "price": {"1"}, "next_sn": {"1"}}),
			http.StatusUnprocessableEntity, "医保目录中无此项目")
		if n := a.rows(t, "fee_lines"); n != 0 {
			t.Fatalf("%d lines after bad input", n)
		}
		for i, l := range [][2]string{{"S110200001", "1"}, {"XJ01CAA040A001010101445", "24"}, {"XJ01DDA080A001010101445", "10"}, {"ZC99ZZZ0001010100001", "1"}} {
			wantPage(t, c.post(visit+"/lines", url.Values{"code": {l[0]}, "qty": {l[1]}, "next_sn": {strconv.Itoa(i + 1)}}), http.StatusSeeOther)
		}
		wantPage(t, c.get(visit), http.StatusOK, `id="desk-open-total">98.00`, "28.80", "3.20")

		pre := c.post(visit+"/presettle", nil)
		wantPage(t, pre, http.StatusOK, `id="pre-medfee">98.00`, `id="pre-fund">44.80`, `id="pre-cash">53.20`)
		if n := a.rows(t, "settlements"); n != 0 {
			t.Fatalf("pre-settlement stored %d settlements", n)
		}
		wantPage(t, c.post(visit+"/settle", url.Values{"medfee": {"97.00"}}), http.StatusUnprocessableEntity, "与明细合计 98.00 不符")
		r = c.post(visit+"/settle", url.Values{"medfee": {"98.00"}})
		wantPage(t, r, http.StatusSeeOther)
		slip := r.Location
		s := c.get(slip)
		wantPage(t, s, http.StatusOK, `id="slip-medfee">98.00`, `id="slip-inscope">44.80`, `id="slip-basic">44.80`,
			`id="slip-fund">44.80`, `id="slip-cash">53.20`, `id="slip-ytd-basic">44.80`, "阿胶补血口服液", "28.80",
			"outpatient-quota", "60.00", p.PsnName, `id="slip-reverse"`)
		if strings.Contains(s.Body, p.Certno) {
			t.Fatal("full ID number on the slip")
		}

		other := a.client(t).login("desk.county", "user-pass-1")
		wantPage(t, other.get(slip), http.StatusNotFound)
		wantPage(t, other.get(visit), http.StatusNotFound)
		wantPage(t, other.post(slip+"/reverse", url.Values{"confirm": {"1"}}), http.StatusNotFound)
		wantPage(t, other.post(visit+"/lines", url.Values{"code": {"S110200001"}, "qty": {"1"}, "next_sn": {"9"}}), http.StatusNotFound)
		wantPage(t, other.get("/desk/day"), http.StatusOK, "当日结算")
		if strings.Contains(other.get("/desk/day").Body, "98.00") {
			t.Fatal("another institution sees the day's settlements")
		}
		fin := a.client(t).login("fin.county", "user-pass-1")
		wantPage(t, fin.get(slip), http.StatusOK, `id="slip-cash">53.20`)
		wantPage(t, fin.get("/desk"), http.StatusForbidden)
		if strings.Contains(fin.get(slip).Body, `id="slip-reverse"`) {
			t.Fatal("finance is offered the reversal")
		}
		wantPage(t, fin.get("/desk/day?institution_id="+strconv.FormatInt(town, 10)), http.StatusOK, `id="desk-day-medfee">98.00`, `id="desk-day-fund">44.80`)
		wantPage(t, c.get("/desk/day"), http.StatusOK, `id="desk-day-medfee">98.00`, p.PsnName)

		wantPage(t, c.post(slip+"/reverse", nil), http.StatusUnprocessableEntity, "请勾选确认撤销")
		if n := a.rows(t, "settlements"); n != 1 {
			t.Fatalf("%d settlements after an unconfirmed reversal", n)
		}
		r = c.post(slip+"/reverse", url.Values{"confirm": {"1"}})
		wantPage(t, r, http.StatusSeeOther)
		wantPage(t, c.get(r.Location), http.StatusOK, `id="slip-cash">-53.20`, `id="slip-basic">-44.80`, `id="slip-reverses"`)
		orig := c.get(slip)
		wantPage(t, orig, http.StatusOK, `id="slip-reversed"`)
		if strings.Contains(orig.Body, `id="slip-reverse"`) {
			t.Fatal("a reversed settlement offers the reversal again")
		}
		wantPage(t, c.get("/desk/day"), http.StatusOK, `id="desk-day-medfee">0.00`)
	})
}

// TestDeskDaySettlementSort: a day's settlements sort by a displayed column
// both ways (page, aria-sort, Excel in the same order); an unknown or
// unsortable column is ignored (the service's order, by settlement).
func TestDeskDaySettlementSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, sb := newSandboxApp(t, d)
		a.addDeskClerk(t, "desk.town", "township")
		c := a.client(t).login("desk.town", "user-pass-1")
		settleOutpatient(t, c, sb)
		var setl string
		if err := d.QueryRowContext(context.Background(), `SELECT id FROM settlements`).Scan(&setl); err != nil {
			t.Fatal(err)
		}
		wantPage(t, c.post("/desk/settlements/"+setl+"/reverse", url.Values{"confirm": {"1"}}), http.StatusSeeOther)
		var rev string
		if err := d.QueryRowContext(context.Background(), `SELECT id FROM settlements WHERE reverses_id IS NOT NULL`).Scan(&rev); err != nil {
			t.Fatal(err)
		}
		rowRE := regexp.MustCompile(`<tr><td><a href="/desk/settlements/(\d+)">`)
		ids := func(body string) []string {
			var out []string
			for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		first, last := []string{setl, rev}, []string{rev, setl}
		checkSorts(t, c, "/desk/day", ids, []sortCase[string]{
			{"", first, ""},
			{"?sort=medfee", last, `aria-sort="ascending"><a class="sort sort-ascending" href="/desk/day?dir=desc&amp;sort=medfee"`},
			{"?sort=medfee&dir=desc", first, `aria-sort="descending"><a class="sort sort-descending" href="/desk/day?sort=medfee"`},
			{"?sort=fund", last, `aria-sort="ascending"`},
			{"?sort=id&dir=desc", last, `aria-sort="descending"`},
			{"?sort=id", first, `aria-sort="ascending"`},
			{"?sort=note&dir=desc", first, ""}, // shown, not sortable
			{"?sort=medfee%3B+DROP+TABLE+settlements&dir=desc", first, ""},
		})
		if n := a.rows(t, "settlements"); n != 2 {
			t.Fatalf("%d settlements", n)
		}
		r := c.get("/desk/day?sort=medfee&format=xlsx")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		xr, _ := x.GetRows(x.GetSheetList()[0])
		if len(xr) != 3 || xr[1][0] != rev || xr[1][4] != "-98.00" || xr[1][7] != "撤销 "+setl || xr[2][0] != setl || xr[2][7] != "已撤销" {
			t.Fatalf("export rows = %v", xr)
		}
	})
}
