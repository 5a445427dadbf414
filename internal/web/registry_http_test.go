package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
	"ncms/internal/registry"
	"ncms/internal/server"
	"ncms/internal/setup"
)

// regClient is a logged-in console user of a test server.
type regClient struct {
	t      *testing.T
	srv    *httptest.Server
	cookie *http.Cookie
	csrf   string
}

func (c *regClient) do(method, path string, form url.Values) (int, string, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		form.Set("csrf_token", c.csrf)
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(c.cookie)
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// regFixture: an initialized county with townships A and B, a clerk in each.
func regFixture(t *testing.T, d *db.DB) (srv *httptest.Server, a, b *regClient, townA, townB registry.Area) {
	ctx := context.Background()
	opt := auth.Options{BcryptCost: bcrypt.MinCost}
	if _, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520123", CountyName: "修文县", AdminPassword: "Admin-pass-123", Auth: opt}); err != nil {
		t.Fatal(err)
	}
	app := server.New(d, nil, server.Options{Auth: opt})
	srv = httptest.NewServer(app.Handler)
	t.Cleanup(srv.Close)
	reg := registry.New(d, registry.Options{})
	sys := access.WithActor(ctx, access.System("test"))
	root, _ := reg.Root(sys)
	townA, _ = reg.CreateArea(sys, registry.AreaInput{ParentID: root.ID, Name: "龙场镇"})
	townB, _ = reg.CreateArea(sys, registry.AreaInput{ParentID: root.ID, Name: "扎佐镇"})
	login := func(name string, area registry.Area) *regClient {
		_, adminP, err := app.Auth.Login(ctx, "admin", "Admin-pass-123", "127.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		actx := access.WithActor(ctx, adminP.Actor)
		u, _, err := app.Auth.CreateUser(actx, auth.UserInput{Username: name, DisplayName: name, Role: access.Enrollment, AreaID: area.ID, Password: "Clerk-pass-123"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.InTx(actx, func(tx *db.Tx) error { return app.Auth.SetMustChange(actx, tx, u.ID, false) }); err != nil {
			t.Fatal(err)
		}
		tok, _, err := app.Auth.Login(ctx, name, "Clerk-pass-123", "127.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		return &regClient{t: t, srv: srv, cookie: &http.Cookie{Name: "ncms_session", Value: tok}, csrf: auth.CSRFToken(tok)}
	}
	return srv, login("clerk.a", townA), login("clerk.b", townB), townA, townB
}

func TestRegistryPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, a, b, townA, _ := regFixture(t, d)
		// Clerk A adds a village and registers a household on one form.
		st, _, loc := a.do("POST", "/areas", url.Values{"parent_id": {itoa(townA.ID)}, "name": {"红星村"}})
		if st != http.StatusSeeOther {
			t.Fatalf("create village: %d", st)
		}
		_, page, _ := a.do("GET", loc, nil)
		villID := regexp.MustCompile(`/areas\?id=(\d+)">红星村`).FindStringSubmatch(page)
		if villID == nil {
			t.Fatalf("village not listed:\n%s", page)
		}
		head := idcard.Generate("520123", civil.MustParse("1970-03-01"), 11, true)
		wife := idcard.Generate("520123", civil.MustParse("1972-05-09"), 12, false)
		form := url.Values{"rows": {"3"}, "area_id": {villID[1]}, "address": {"红星村3号"},
			"m1_name": {"张大山"}, "m1_relation": {"户主"}, "m1_id_number": {head}, "m1_cat": {"dibao", "wubao"},
			"m2_name": {"李秀英"}, "m2_relation": {"配偶"}, "m2_id_number": {wife[:17] + "0"}}
		if wife[17] == '0' {
			form.Set("m2_id_number", wife[:17]+"1")
		}
		st, page, _ = a.do("POST", "/households/new", form)
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "校验位错误") || !strings.Contains(page, `value="张大山"`) {
			t.Fatalf("bad check character: status %d, want 422 with the error next to the row", st)
		}
		form.Set("m2_id_number", wife)
		form.Set("m3_name", "张小宝")
		form.Set("m3_relation", "子")
		form.Set("m3_sex", "1")
		form.Set("m3_birth_date", "2024-01-05")
		form.Set("m3_mother", "2")
		st, _, loc = a.do("POST", "/households/new", form)
		if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/households/") {
			t.Fatalf("register: %d %s", st, loc)
		}
		st, page, _ = a.do("GET", loc, nil)
		if st != 200 || !strings.Contains(page, "张小宝") || strings.Contains(page, head) || !strings.Contains(page, idcard.Mask(head)) {
			t.Fatalf("household page %d: members and masked IDs expected", st)
		}
		// Search by ID number is a POST answered in place; the URL never holds it.
		st, page, _ = a.do("POST", "/persons", url.Values{"q": {head}})
		if st != 200 || !strings.Contains(page, "张大山") || strings.Count(page, head) > 1 || !strings.Contains(page, idcard.Mask(head)) {
			t.Fatalf("search by ID: %d", st)
		}
		if st, _, loc := a.do("POST", "/persons", url.Values{"q": {"张"}}); st != http.StatusSeeOther || !strings.Contains(loc, "q=") {
			t.Fatalf("search by name redirects to GET: %d %s", st, loc)
		}
		if st, page, _ := a.do("GET", "/persons?q="+head, nil); st != 200 || strings.Contains(page, "张大山") {
			t.Fatalf("ID in a URL must not be searched: %d", st)
		}
		// Every registry page renders for the clerk.
		_, page, _ = a.do("GET", loc, nil)
		pid := regexp.MustCompile(`/persons/(\d+)">张小宝`).FindStringSubmatch(page)
		for _, path := range []string{loc + "/edit", "/persons/" + pid[1], "/areas", "/other-schemes", "/other-schemes/report", "/persons?all=1", "/households/new"} {
			if st, body, _ := a.do("GET", path, nil); st != 200 || strings.Contains(body, head) {
				t.Errorf("GET %s: %d (or a full ID number shown)", path, st)
			}
		}
		st, page, _ = a.do("POST", "/persons/"+pid[1]+"/status", url.Values{"kind": {"moved_out"}, "date": {"2099-01-01"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, "日期不能晚于今天") {
			t.Errorf("future status date: %d", st)
		}
		if st, _, _ := a.do("POST", "/persons/"+pid[1]+"/status", url.Values{"kind": {"moved_out"}, "date": {"2024-06-01"}}); st != http.StatusSeeOther {
			t.Errorf("moved out: %d", st)
		}
		if st, body, _ := a.do("GET", "/persons/"+pid[1], nil); !strings.Contains(body, "已迁出") {
			t.Errorf("person page after moving out: %d", st)
		}
		// Township B's clerk gets 404 and finds nothing.
		if st, _, _ := b.do("GET", loc, nil); st != http.StatusNotFound {
			t.Fatalf("clerk B on A's household: %d, want 404", st)
		}
		if st, page, _ := b.do("POST", "/persons", url.Values{"q": {head}}); st != 200 || strings.Contains(page, "张大山") {
			t.Fatalf("clerk B search found A's person (%d)", st)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
