package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/institution"
)

// testSecretKey is the installation key of the institution tests (set in
// the environment so that no key file is written next to the tests).
var testSecretKey = strings.Repeat("5a", 32)

var (
	paasidRE = regexp.MustCompile(`<span class="secret" id="paasid">([^<]+)</span>`)
	instIDRE = regexp.MustCompile(`<a href="/institutions/(\d+)">`)
)

// addInstUser creates an institution user (password "user-pass-1").
func (a *testApp) addInstUser(t *testing.T, username string, instID int64) {
	t.Helper()
	if _, _, err := a.auth.CreateUser(a.sys(), auth.UserInput{Username: username, DisplayName: username,
		Role: access.Institution, InstitutionID: instID, Password: "user-pass-1"}); err != nil {
		t.Fatalf("add institution user: %v", err)
	}
}

func countRows(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// createInst submits the create form and returns the institution id, the
// paasid and the secret shown.
func createInst(t *testing.T, c *client, form url.Values) (int64, string, string) {
	t.Helper()
	r := c.post("/institutions", form)
	if r.Status != http.StatusOK || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create %s: %d %q\n%s", form.Get("fixmedins_code"), r.Status, r.Header.Get("Cache-Control"), r.Body)
	}
	sec, pid := secretRE.FindStringSubmatch(r.Body), paasidRE.FindStringSubmatch(r.Body)
	id := regexp.MustCompile(`<a href="/institutions/(\d+)">` + form.Get("fixmedins_code")).FindStringSubmatch(r.Body)
	if sec == nil || pid == nil || id == nil || len(sec[1]) != 64 {
		t.Fatalf("credentials page without paasid, secret or link:\n%s", r.Body)
	}
	n, _ := strconv.ParseInt(id[1], 10, 64)
	return n, pid[1], sec[1]
}

// verifies reports whether a request signed with secret passes Verify.
func verifies(t *testing.T, d *db.DB, paasid, secret string) bool {
	t.Helper()
	k, err := institution.ParseKey(testSecretKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ts, nonce := strconv.FormatInt(now.Unix(), 10), "n"+strconv.FormatInt(now.UnixNano(), 36)
	_, err = institution.New(d, institution.Options{Key: k}).Verify(context.Background(), paasid, ts, nonce,
		institution.Sign(ts, secret, nonce), now)
	return err == nil
}

func township(county int64) url.Values {
	return url.Values{"fixmedins_code": {"H52022200001"}, "fixmedins_name": {"龙场镇卫生院"}, "level": {"township"},
		"area_id": {strconv.FormatInt(county, 10)}, "in_county": {"1"}, "agreement": {"1"}, "networked": {"1"},
		"bank_name": {"农村信用社"}, "bank_account_name": {"龙场镇卫生院"}, "bank_account_no": {"6228 4800 1234 5678"}}
}

func TestInstitutionPagesAdmin(t *testing.T) {
	t.Setenv(institution.KeyEnv, testSecretKey)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		if r := admin.get("/institutions/new"); r.Status != 200 || !strings.Contains(r.Body, `href="/institutions"`) {
			t.Fatalf("new form (and nav link): %d", r.Status)
		}
		// Bad input: every field error next to its field, values kept, nothing written.
		r := admin.post("/institutions", url.Values{"fixmedins_code": {"X123"}, "fixmedins_name": {"某卫生院"},
			"in_county": {"1"}, "bank_name": {"农村信用社"}, "bank_account_no": {"12ab"}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad input: %d", r.Status)
		}
		for _, want := range []string{"机构编码应为12位", "机构级别应为", "县内机构须选择所在地区", "请填写账户名称", "银行账号应为8至32位数字", `value="某卫生院"`, "has-error"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("bad input page lacks %q", want)
			}
		}
		if n := countRows(t, d, "institutions"); n != 0 {
			t.Fatalf("%d institutions written by a refused form", n)
		}
		if r := admin.post("/institutions?lang=en", url.Values{"fixmedins_code": {"X123"}}); !strings.Contains(r.Body, "institution code must be 12 characters") {
			t.Error("English field error missing")
		}
		admin.get("/institutions?lang=zh")
		// Create: the secret is shown once, on a page that is not stored.
		id, paasid, secret := createInst(t, admin, township(a.county))
		if !verifies(t, d, paasid, secret) {
			t.Fatal("the secret shown does not sign requests")
		}
		if r := admin.post("/institutions", township(a.county)); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "该机构编码已登记") {
			t.Fatalf("duplicate code: %d\n%s", r.Status, r.Body)
		}
		city := url.Values{"fixmedins_code": {"H52020000001"}, "fixmedins_name": {"六盘水市人民医院"}, "level": {"市"}, "agreement": {"1"}}
		cityID, _, _ := createInst(t, admin, city)
		path := "/institutions/" + strconv.FormatInt(id, 10)
		r = admin.get(path)
		if r.Status != 200 || strings.Contains(r.Body, secret) || !strings.Contains(r.Body, paasid) || !strings.Contains(r.Body, "新增") ||
			!strings.Contains(r.Body, "6228480012345678") {
			t.Fatalf("detail: %d", r.Status)
		}
		// Filters and export.
		for q, want := range map[string]string{"county=out": "六盘水市人民医院", "county=in": "龙场镇卫生院", "level=city": "六盘水市人民医院", "q=龙场": "龙场镇卫生院"} {
			r := admin.get("/institutions?" + q)
			if n := len(instIDRE.FindAllString(r.Body, -1)); r.Status != 200 || n != 2 || !strings.Contains(r.Body, want) {
				t.Errorf("list ?%s: %d, %d links", q, r.Status, n)
			}
		}
		r = admin.get("/institutions?format=xlsx&county=in")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 2 || rows[1][0] != "H52022200001" || rows[1][9] != "************5678" || strings.Contains(r.Body, secret) {
			t.Fatalf("export rows = %v", rows)
		}
		// Edit: field errors, then saved.
		form := township(a.county)
		form.Set("fixmedins_name", "")
		form.Set("bank_account_name", "")
		if r := admin.post(path+"/edit", form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "机构名称不能为空") {
			t.Fatalf("edit with errors: %d", r.Status)
		}
		form = township(a.county)
		form.Set("fixmedins_name", "龙场镇中心卫生院")
		form.Set("fixmedins_code", "H52022200099")
		if r := admin.post(path+"/edit", form); r.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", r.Status, r.Body)
		}
		if r := admin.get(path); !strings.Contains(r.Body, "龙场镇中心卫生院") || !strings.Contains(r.Body, "H52022200001") {
			t.Fatal("edit not shown (or the code changed)")
		}
		// Status: a suspension needs a reason; then suspended, reinstated.
		if r := admin.post(path+"/status", url.Values{"status": {"suspended"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "暂停或退出须填写原因") {
			t.Fatalf("suspend without reason: %d", r.Status)
		}
		if r := admin.post(path+"/status", url.Values{"status": {"suspended"}, "since": {"2099-01-01"}, "reason": {"x"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("future date: %d", r.Status)
		}
		if r := admin.post(path+"/status", url.Values{"status": {"suspended"}, "reason": {"违规收费整改"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("suspend: %d %s", r.Status, r.Body)
		}
		if r := admin.get(path); !strings.Contains(r.Body, "违规收费整改") || !strings.Contains(r.Body, "恢复 / 退出") {
			t.Fatal("suspension not in the history")
		}
		if r := admin.post(path+"/status", url.Values{"status": {"active"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("reinstate: %d", r.Status)
		}
		// Rotate: a new secret, shown once; the old one works during the grace.
		if r := admin.post(path+"/rotate", url.Values{"grace": {"0"}}); r.Status != http.StatusUnprocessableEntity || secretRE.MatchString(r.Body) {
			t.Fatalf("rotate with a bad grace: %d", r.Status)
		}
		r = admin.post(path+"/rotate", url.Values{"grace": {"2"}})
		m := secretRE.FindStringSubmatch(r.Body)
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" || m == nil || m[1] == secret {
			t.Fatalf("rotate: %d", r.Status)
		}
		if !verifies(t, d, paasid, m[1]) || !verifies(t, d, paasid, secret) {
			t.Fatal("new secret or old secret within its grace refused")
		}
		if r := admin.get(path); strings.Contains(r.Body, m[1]) || strings.Contains(r.Body, secret) {
			t.Fatal("a secret shown again")
		}
		// Withdrawn is final: no more actions offered, rotation refused.
		cityPath := "/institutions/" + strconv.FormatInt(cityID, 10)
		if r := admin.post(cityPath+"/status", url.Values{"status": {"withdrawn"}, "reason": {"协议到期"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", r.Status)
		}
		if r := admin.post(cityPath+"/rotate", url.Values{"grace": {"24"}}); r.Status != http.StatusConflict || secretRE.MatchString(r.Body) {
			t.Fatalf("rotate a withdrawn institution: %d", r.Status)
		}
		if r := admin.get(cityPath); strings.Contains(r.Body, "rotate-form") {
			t.Fatal("actions offered on a withdrawn institution")
		}
	})
}

func TestInstitutionPagesRolesAndScope(t *testing.T) {
	t.Setenv(institution.KeyEnv, testSecretKey)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		idA, _, secretA := createInst(t, admin, township(a.county))
		b := township(a.county)
		b.Set("fixmedins_code", "H52022200002")
		b.Set("fixmedins_name", "盘县人民医院")
		b.Set("level", "county")
		idB, _, _ := createInst(t, admin, b)
		pathA, pathB := "/institutions/"+strconv.FormatInt(idA, 10), "/institutions/"+strconv.FormatInt(idB, 10)

		// A county clerk reads but may not write.
		a.addUser(t, "clerk", access.Enrollment, a.county)
		clerk := a.client(t).login("clerk", "user-pass-1")
		if r := clerk.get("/institutions"); r.Status != 200 || len(instIDRE.FindAllString(r.Body, -1)) != 4 || strings.Contains(r.Body, "/institutions/new") {
			t.Fatalf("clerk list: %d", r.Status)
		}
		if r := clerk.get(pathB); r.Status != 200 || strings.Contains(r.Body, "rotate-form") || strings.Contains(r.Body, "/edit") {
			t.Fatalf("clerk detail: %d (or actions offered)", r.Status)
		}
		for _, p := range []string{"/institutions/new", pathA + "/edit"} {
			if r := clerk.get(p); r.Status != http.StatusForbidden {
				t.Errorf("clerk GET %s: %d", p, r.Status)
			}
		}
		for _, p := range []string{"/institutions", pathA + "/edit", pathA + "/status", pathA + "/rotate"} {
			if r := clerk.post(p, url.Values{"status": {"suspended"}, "reason": {"x"}}); r.Status != http.StatusForbidden || secretRE.MatchString(r.Body) {
				t.Errorf("clerk POST %s: %d", p, r.Status)
			}
		}
		// An institution user sees only its own institution.
		a.addInstUser(t, "hosp.a", idA)
		hosp := a.client(t).login("hosp.a", "user-pass-1")
		r := hosp.get("/institutions")
		if r.Status != 200 || !strings.Contains(r.Body, "龙场镇卫生院") || strings.Contains(r.Body, "盘县人民医院") {
			t.Fatalf("institution user list: %d", r.Status)
		}
		if r := hosp.get(pathA); r.Status != 200 || strings.Contains(r.Body, secretA) {
			t.Fatalf("own institution: %d", r.Status)
		}
		if r := hosp.get(pathB); r.Status != http.StatusNotFound || strings.Contains(r.Body, "盘县人民医院") {
			t.Fatalf("other institution: %d, want 404", r.Status)
		}
		if r := hosp.get("/institutions?format=xlsx"); strings.Contains(r.Body, "H52022200002") {
			t.Fatal("other institution exported")
		}
		if r := hosp.post(pathA+"/rotate", url.Values{"grace": {"24"}}); r.Status != http.StatusForbidden {
			t.Fatalf("institution user rotating: %d", r.Status)
		}
		if r := hosp.get("/institutions/abc"); r.Status != http.StatusNotFound {
			t.Fatalf("non-numeric id: %d", r.Status)
		}
	})
}

// TestInstitutionListSort: the list sorts by a displayed column both ways
// (the page, its aria-sort and the Excel export); an unknown column is
// ignored (the service's order, by code), filters still apply.
func TestInstitutionListSort(t *testing.T) {
	t.Setenv(institution.KeyEnv, testSecretKey)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		createInst(t, admin, township(a.county)) // H52022200001, township
		hosp := township(a.county)
		hosp.Set("fixmedins_code", "H52022200002")
		hosp.Set("fixmedins_name", "盘县人民医院")
		hosp.Set("level", "county")
		createInst(t, admin, hosp)
		createInst(t, admin, url.Values{"fixmedins_code": {"H52020000001"}, "fixmedins_name": {"六盘水市人民医院"}, "level": {"city"}, "agreement": {"1"}})
		codes := func(body string) string {
			var out []string
			for _, m := range regexp.MustCompile(`<td class="mono"><a href="/institutions/\d+">(H\d+)</a>`).FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return strings.Join(out, ",")
		}
		byCode := "H52020000001,H52022200001,H52022200002"
		for _, tc := range []struct{ query, want, aria string }{
			{"", byCode, ""},
			{"?sort=code", byCode, `aria-sort="ascending"><a class="sort sort-ascending" href="/institutions?dir=desc&amp;sort=code"`},
			{"?sort=code&dir=desc", "H52022200002,H52022200001,H52020000001", `aria-sort="descending"><a class="sort sort-descending" href="/institutions?sort=code"`},
			{"?sort=level", "H52022200001,H52022200002,H52020000001", `aria-sort="ascending"><a class="sort sort-ascending" href="/institutions?dir=desc&amp;sort=level"`},
			{"?sort=level&dir=desc", "H52020000001,H52022200002,H52022200001", `aria-sort="descending"`},
			{"?sort=level&dir=desc&county=in", "H52022200002,H52022200001", `aria-sort="descending"`},
			{"?sort=bank&dir=desc", byCode, ""},                            // exported only: not sortable
			{"?sort=name%3B+DROP+TABLE+institutions&dir=desc", byCode, ""}, // unknown: ignored
		} {
			r := admin.get("/institutions" + tc.query)
			if r.Status != 200 || codes(r.Body) != tc.want {
				t.Errorf("%s: %d, rows %s, want %s", tc.query, r.Status, codes(r.Body), tc.want)
			}
			if tc.aria == "" && (strings.Contains(r.Body, `aria-sort="ascending"`) || strings.Contains(r.Body, `aria-sort="descending"`)) {
				t.Errorf("%s: a column marked sorted", tc.query)
			} else if tc.aria != "" && !strings.Contains(r.Body, tc.aria) {
				t.Errorf("%s: header lacks %s", tc.query, tc.aria)
			}
		}
		if n := countRows(t, d, "institutions"); n != 3 {
			t.Fatalf("%d institutions", n)
		}
		// The export has every row in the page's order.
		r := admin.get("/institutions?sort=level&dir=desc&format=xlsx")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 4 || rows[1][0] != "H52020000001" || rows[2][0] != "H52022200002" || rows[3][0] != "H52022200001" || rows[3][9] != "************5678" {
			t.Fatalf("export rows = %v", rows)
		}
	})
}
