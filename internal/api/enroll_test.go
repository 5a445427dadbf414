package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

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

// enrollAPI is a test server with bearer tokens for the administrator and
// one enrollment clerk in each of two townships.
type enrollAPI struct {
	t                 *testing.T
	srv               *httptest.Server
	admin, clerkA, cB string
	villA             registry.Area
	reg               *registry.Service
}

func newEnrollAPI(t *testing.T, d *db.DB) *enrollAPI {
	t.Helper()
	ctx := context.Background()
	opt := auth.Options{BcryptCost: bcrypt.MinCost}
	if _, err := setup.Initialize(ctx, d, setup.Input{CountyCode: "520222", CountyName: "盘县", AdminPassword: "Admin-pass-123", Auth: opt}); err != nil {
		t.Fatal(err)
	}
	app := server.New(d, nil, server.Options{Auth: opt})
	e := &enrollAPI{t: t, srv: httptest.NewServer(app.Handler), reg: registry.New(d, registry.Options{})}
	t.Cleanup(e.srv.Close)
	sys := access.WithActor(ctx, access.System("test"))
	root, _ := e.reg.Root(sys)
	townA, _ := e.reg.CreateArea(sys, registry.AreaInput{ParentID: root.ID, Name: "红果镇"})
	townB, _ := e.reg.CreateArea(sys, registry.AreaInput{ParentID: root.ID, Name: "柏果镇"})
	e.villA, _ = e.reg.CreateArea(sys, registry.AreaInput{ParentID: townA.ID, Name: "红星村"})
	token := func(name string, role access.Role, area int64) string {
		if name != "admin" {
			if _, _, err := app.Auth.CreateUser(sys, auth.UserInput{Username: name, DisplayName: name, Role: role, AreaID: area, Password: "Clerk-pass-123"}); err != nil {
				t.Fatal(err)
			}
		}
		pw := map[bool]string{true: "Admin-pass-123", false: "Clerk-pass-123"}[name == "admin"]
		_, p, err := app.Auth.Login(ctx, name, pw, "127.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := app.Auth.CreateToken(access.WithActor(ctx, p.Actor), "test", time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	e.admin, e.clerkA, e.cB = token("admin", access.Admin, 0), token("clerk.a", access.Enrollment, townA.ID), token("clerk.b", access.Enrollment, townB.ID)
	return e
}

// call sends a JSON request and decodes the answer into a map.
func (e *enrollAPI) call(tok, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v1"+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func (e *enrollAPI) want(status int, tok, method, path string, body any) map[string]any {
	e.t.Helper()
	got, out := e.call(tok, method, path, body)
	if got != status {
		e.t.Fatalf("%s %s: status %d, want %d: %v", method, path, got, status, out)
	}
	return out
}

func TestEnrollAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnrollAPI(t, d)
		today := civil.Of(time.Now().In(time.FixedZone("CST", 8*3600)))
		year := today.Year + 1
		start := today.AddDays(40)
		e.want(201, e.admin, "POST", "/enroll/years", map[string]any{"year": year, "period_from": start.String(),
			"window_from": today.AddDays(-30).String(), "window_to": today.AddDays(30).String()})
		e.want(403, e.clerkA, "POST", "/enroll/years", map[string]any{"year": year + 1})
		y := "/enroll/years/" + strconv.Itoa(year)
		e.want(200, e.admin, "PUT", y+"/standards", map[string]any{
			"standards": []map[string]any{{"tier": 1, "source": "individual", "amount": "30"}, {"tier": 1, "source": "government", "amount": "200.00"}},
			"subsidies": []map[string]any{{"category": "低保", "rate": "100%"}}})
		out := e.want(200, e.admin, "POST", y+"/status", map[string]any{"status": "open"})
		if out["status"] != "open" || out["tier_totals"].(map[string]any)["1"] != "230.00" {
			t.Fatalf("year %v", out)
		}
		h, err := e.reg.RegisterHousehold(access.WithActor(context.Background(), access.System("test")), registry.HouseholdInput{
			AreaID: e.villA.ID, Members: []registry.PersonInput{
				{IDNumber: idcard.Generate("520222", civil.MustParse("1970-01-01"), 11, true), Name: "张三", Relation: "户主"},
				{IDNumber: idcard.Generate("520222", civil.MustParse("1972-01-01"), 12, false), Name: "李四", Relation: "配偶", Categories: registry.Categories{registry.Dibao}}}})
		if err != nil {
			t.Fatal(err)
		}
		in := map[string]any{"year": year, "household_id": h.ID, "tier": 1}
		q := e.want(200, e.clerkA, "POST", "/enroll/quote", in)
		if q["person_pays"] != "30.00" || q["civil_pays"] != "30.00" || q["total"] != "460.00" {
			t.Fatalf("quote %v", q)
		}
		e.want(404, e.cB, "POST", "/enroll/enrollments", in)
		e.want(422, e.clerkA, "POST", "/enroll/quote", map[string]any{"year": year, "household_id": h.ID, "tier": 9})
		rc := e.want(201, e.clerkA, "POST", "/enroll/enrollments", in)
		no := strconv.Itoa(year) + "-000001"
		if rc["receipt_no"] != no || rc["person_pays"] != "30.00" {
			t.Fatalf("receipt %v", rc)
		}
		e.want(409, e.clerkA, "POST", "/enroll/enrollments", in)
		pid := strconv.Itoa(int(rc["payment_id"].(float64)))
		e.want(200, e.clerkA, "GET", "/enroll/receipts/"+pid, nil)
		e.want(404, e.cB, "GET", "/enroll/receipts/"+pid, nil)
		e.want(404, e.cB, "GET", "/enroll/receipts?no="+no, nil)
		e.want(404, e.cB, "GET", "/enroll/households/"+strconv.FormatInt(h.ID, 10)+"?year="+strconv.Itoa(year), nil)
		hs := e.want(200, e.clerkA, "GET", "/enroll/households/"+strconv.FormatInt(h.ID, 10)+"?year="+strconv.Itoa(year), nil)
		if hs["enrolled"] != float64(2) || hs["tier"] != float64(1) {
			t.Fatalf("household %v", hs)
		}
		rec := e.want(200, e.admin, "GET", "/enroll/receivables?year="+strconv.Itoa(year), nil)
		if tot := rec["total"].(map[string]any); tot["due"] != "460.00" || tot["received"] != "30.00" || tot["arrival_rate"] != "6.52%" {
			t.Fatalf("receivables total %v", tot)
		}
		e.want(201, e.admin, "POST", "/enroll/arrivals", map[string]any{"year": year, "source": "government", "amount": "400", "arrived_on": today.String()})
		e.want(403, e.clerkA, "POST", "/enroll/arrivals", map[string]any{"year": year, "source": "government", "amount": "1", "arrived_on": today.String()})
		cov := e.want(200, e.clerkA, "POST", "/enroll/coverage", map[string]any{"person_id": h.Members[0].ID, "date": start.String()})
		if cov["covered"] != true || cov["tier"] != float64(1) {
			t.Fatalf("coverage %v", cov)
		}
		e.want(404, e.cB, "POST", "/enroll/coverage", map[string]any{"person_id": h.Members[0].ID, "date": start.String()})
		c := e.want(200, e.clerkA, "POST", "/enroll/receipts/"+pid+"/cancel", map[string]any{"reason": "录入错误"})
		if c["status"] != "reversed" || c["refunded"] != "30.00" {
			t.Fatalf("cancel %v", c)
		}
	})
}
