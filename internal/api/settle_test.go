package api_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/institution"
	"ncms/internal/server"
)

// settleAPI is the sandbox county (scheme A for this year, three
// institutions, two enrolled households, the sandbox catalogue) served
// whole, with tokens for an institution clerk of the township and of the
// county hospital, a county finance clerk and the administrator.
type settleAPI struct {
	t                    *testing.T
	d                    *db.DB
	srv                  *httptest.Server
	sb                   *his.SandboxFile
	town, county, fin    string // tokens
	townID, countyInstID int64
}

func newSettleAPI(t *testing.T, d *db.DB) *settleAPI {
	t.Helper()
	ctx := context.Background()
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
	sb, err := his.CreateSandbox(ctx, d, his.SandboxOptions{SchemeFile: "chongqing-2013.yaml", SchemeYAML: yaml, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	opt := auth.Options{BcryptCost: bcrypt.MinCost}
	app := server.New(d, nil, server.Options{Auth: opt})
	e := &settleAPI{t: t, d: d, srv: httptest.NewServer(app.Handler), sb: sb}
	t.Cleanup(e.srv.Close)
	e.townID, e.countyInstID = e.instID("township"), e.instID("county")
	sys := access.WithActor(ctx, access.System("test"))
	var root int64
	if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE parent_id IS NULL`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	token := func(name string, in auth.UserInput) string {
		in.Username, in.DisplayName, in.Password = name, name, "Clerk-pass-123"
		if _, _, err := app.Auth.CreateUser(sys, in); err != nil {
			t.Fatal(err)
		}
		_, p, err := app.Auth.Login(ctx, name, "Clerk-pass-123", "127.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := app.Auth.CreateToken(access.WithActor(ctx, p.Actor), "test", time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	e.town = token("desk.town", auth.UserInput{Role: access.Institution, InstitutionID: e.townID})
	e.county = token("desk.county", auth.UserInput{Role: access.Institution, InstitutionID: e.countyInstID})
	e.fin = token("fin.county", auth.UserInput{Role: access.Finance, AreaID: root})
	return e
}

func (e *settleAPI) instID(level string) int64 {
	e.t.Helper()
	var id int64
	if err := e.d.QueryRowContext(context.Background(), `SELECT id FROM institutions WHERE level = ?`, level).Scan(&id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *settleAPI) count(table string) int {
	e.t.Helper()
	var n int
	if err := e.d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// do sends a request and returns the status and the raw body.
func (e *settleAPI) do(tok, method, path, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+"/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, b.String()
}

// want checks the status and decodes the body.
func (e *settleAPI) want(status int, tok, method, path, body string) map[string]any {
	e.t.Helper()
	got, raw := e.do(tok, method, path, body)
	if got != status {
		e.t.Fatalf("%s %s: %d, want %d: %s", method, path, got, status, raw)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
	return m
}

// dig follows keys (and list indexes) into a decoded JSON value.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// The sandbox outpatient visit through the native API (docs/his.md
// "Sandbox", worked by hand from scheme A and the sandbox catalogue):
// 一般诊疗费 10.00 (A) + 阿莫西林 24 × 0.25 = 6.00 (A) + 头孢克肟 10 × 3.20 =
// 32.00 (B, 10% first self-pay: 3.20, in scope 28.80) + 阿胶补血口服液 50.00
// (C, fully self-paid) = 98.00; in scope 10 + 6 + 28.80 = 44.80, within
// the 60-yuan yearly outpatient quota at 100%: fund 44.80, cash 98 − 44.80
// = 53.20. Another institution's clerk gets 404 for all of it.
func TestSettleAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSettleAPI(t, d)
		p := e.sb.Persons[0] // 张大山, tier 1
		if p.Tier != 1 {
			t.Fatalf("sandbox person 0 has tier %d", p.Tier)
		}
		found := e.want(200, e.town, "POST", "/settle/persons/find", `{"certno":"`+p.Certno+`"}`)
		if dig(found, "persons", 0, "psn_name") != p.PsnName || strings.Contains(fmt.Sprint(found), p.Certno) {
			t.Fatalf("find: %v", found)
		}
		e.want(422, e.town, "POST", "/settle/persons/find", `{"psn_name":"张大山"}`)
		cov := e.want(200, e.town, "GET", "/settle/persons/"+p.PsnNo+"/coverage", "")
		if cov["covered"] != true || cov["tier"] != 1.0 {
			t.Fatalf("coverage: %v", cov)
		}

		noDate := e.want(422, e.town, "POST", "/settle/visits", `{"psn_no":`+p.PsnNo+`,"med_type":"11","diagnoses":["J06.9"]}`)
		if dig(noDate, "error", "fields", 0, "field") != "begntime" || e.count("visits") != 0 {
			t.Fatalf("visit without a date: %v", noDate)
		}
		e.want(422, e.town, "POST", "/settle/visits", `{"psn_no":`+p.PsnNo+`,"med_type":"21","begntime":"2020-13-01"}`)
		vs := e.want(201, e.town, "POST", "/settle/visits", `{"psn_no":`+p.PsnNo+`,"med_type":"11","begntime":"`+today()+`","diagnoses":["J06.9"]}`)
		vid := fmt.Sprint(vs["mdtrt_id"])

		bad := e.want(422, e.town, "POST", "/settle/visits/"+vid+"/lines", `{"lines":[{"feedetl_sn":"1","med_list_codg":"S110200001","cnt":"1.00001","pric":"10"}]}`)
		if dig(bad, "error", "fields", 0, "field") != "lines[0].cnt" || e.count("fee_lines") != 0 {
			t.Fatalf("bad quantity: %v, %d lines", bad, e.count("fee_lines"))
		}
		up := e.want(201, e.town, "POST", "/settle/visits/"+vid+"/lines", `{"lines":[
			{"feedetl_sn":"1","med_list_codg":"S110200001","cnt":"1","pric":"10"},
			{"feedetl_sn":"2","med_list_codg":"XJ01CAA040A001010101445","cnt":"24","pric":"0.25"},
			{"feedetl_sn":"3","med_list_codg":"XJ01DDA080A001010101445","cnt":"10","pric":"3.20","det_item_fee_sumamt":"32.00"},
			{"feedetl_sn":"4","med_list_codg":"ZC99ZZZ0001010100001","cnt":"1","pric":"50"}]}`)
		if dig(up, "result", 2, "preselfpay_amt") != "3.20" || dig(up, "result", 2, "inscp_scp_amt") != "28.80" ||
			dig(up, "result", 3, "fulamt_ownpay_amt") != "50.00" || dig(up, "result", 1, "det_item_fee_sumamt") != "6.00" {
			t.Fatalf("upload split: %v", up)
		}

		pre := e.want(200, e.town, "POST", "/settle/visits/"+vid+"/pre-settle", "")
		if dig(pre, "result", "medfee_sumamt") != "98.00" || dig(pre, "result", "inscp_scp_amt") != "44.80" ||
			dig(pre, "result", "hifp_pay") != "44.80" || pre["psn_cash_pay"] != "53.20" || e.count("settlements") != 0 {
			t.Fatalf("pre-settle: %v", pre)
		}
		e.want(422, e.town, "POST", "/settle/visits/"+vid+"/settle", `{"medfee_sumamt":"98.001"}`)
		e.want(422, e.town, "POST", "/settle/visits/"+vid+"/settle", `{"medfee_sumamt":"97.00"}`)
		st := e.want(201, e.town, "POST", "/settle/visits/"+vid+"/settle", `{"medfee_sumamt":"98.00"}`)
		sid := fmt.Sprint(st["setl_id"])
		if dig(st, "result", "fund_pay_sumamt") != "44.80" || st["psn_cash_pay"] != "53.20" {
			t.Fatalf("settle: %v", st)
		}

		// Scope: the county hospital's clerk sees none of it; county finance reads it.
		e.want(404, e.county, "GET", "/settle/settlements/"+sid, "")
		e.want(404, e.county, "GET", "/settle/visits/"+vid, "")
		e.want(404, e.county, "POST", "/settle/settlements/"+sid+"/reverse", "")
		e.want(404, e.county, "GET", fmt.Sprintf("/settle/day?institution_id=%d", e.townID), "")
		e.want(403, e.fin, "POST", "/settle/visits/"+vid+"/settle", "")
		if got := e.want(200, e.fin, "GET", "/settle/settlements/"+sid, ""); got["psn_cash_pay"] != "53.20" {
			t.Fatalf("finance read: %v", got)
		}
		visit := e.want(200, e.town, "GET", "/settle/visits/"+vid, "")
		if dig(visit, "lines", 2, "status") != "settled" || fmt.Sprint(dig(visit, "settlements", 0, "setl_id")) != sid {
			t.Fatalf("visit: %v", visit)
		}
		day := e.want(200, e.town, "GET", "/settle/day", "")
		if dig(day, "totals", 0, "clr_type") != "11" || dig(day, "totals", 0, "medfee_sumamt") != "98.00" ||
			dig(day, "totals", 0, "hifp_pay") != "44.80" || dig(day, "visits", 0, "psn_name") != p.PsnName {
			t.Fatalf("day: %v", day)
		}
		ytd := e.want(200, e.town, "GET", "/settle/persons/"+p.PsnNo+"/ytd", "")
		if dig(ytd, "ytd", "basic") != "44.80" || dig(ytd, "ytd", "cost") != "98.00" {
			t.Fatalf("ytd: %v", ytd)
		}

		rev := e.want(201, e.town, "POST", "/settle/settlements/"+sid+"/reverse", "")
		if dig(rev, "result", "hifp_pay") != "-44.80" || rev["psn_cash_pay"] != "-53.20" {
			t.Fatalf("reverse: %v", rev)
		}
		e.want(409, e.town, "POST", "/settle/settlements/"+sid+"/reverse", "")
		tot := e.want(200, e.fin, "GET", fmt.Sprintf("/settle/daily-totals?institution_id=%d", e.townID), "")
		if dig(tot, "days", 0, "setl_cnt") != 1.0 || dig(tot, "days", 0, "revs_cnt") != 1.0 || dig(tot, "days", 0, "medfee_sumamt") != "0.00" {
			t.Fatalf("daily totals: %v", tot)
		}
		if ytd := e.want(200, e.town, "GET", "/settle/persons/"+p.PsnNo+"/ytd", ""); dig(ytd, "ytd", "basic") != nil && dig(ytd, "ytd", "basic") != "0.00" {
			t.Fatalf("ytd after reversal: %v", ytd)
		}
	})
}

func today() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }

// An admission at the county hospital (level 2) through the API: settling
// before discharge is refused; then, worked by hand from scheme A, tier 1:
// 普通病房床位费 20 days × 30.00 = 600.00 (class A, at its 30.00 ceiling), all
// in scope; deductible 300 per admission at level 2; ratio 60%: basic
// (600 − 300) × 60% = 180.00, cash 420.00.
func TestSettleAPIAdmission(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSettleAPI(t, d)
		p := e.sb.Persons[1]
		if p.Tier != 1 {
			t.Fatalf("sandbox person 1 has tier %d", p.Tier)
		}
		e.want(422, e.county, "POST", "/settle/admissions", `{"psn_no":`+p.PsnNo+`,"med_type":"11","begntime":"`+today()+`"}`)
		v := e.want(201, e.county, "POST", "/settle/admissions", `{"psn_no":`+p.PsnNo+`,"med_type":"21","begntime":"`+today()+`","diagnoses":["J18.9"]}`)
		vid := fmt.Sprint(v["mdtrt_id"])
		e.want(201, e.county, "POST", "/settle/visits/"+vid+"/lines", `{"lines":[{"feedetl_sn":"B1","med_list_codg":"F110200001","cnt":"20","pric":"30"}]}`)
		if got := e.want(409, e.county, "POST", "/settle/visits/"+vid+"/settle", ""); dig(got, "error", "code") != "not_discharged" {
			t.Fatalf("settle before discharge: %v", got)
		}
		e.want(422, e.county, "POST", "/settle/visits/"+vid+"/discharge", `{"endtime":"yesterday"}`)
		e.want(200, e.county, "POST", "/settle/visits/"+vid+"/discharge", `{"endtime":"`+today()+`"}`)
		st := e.want(201, e.county, "POST", "/settle/visits/"+vid+"/settle", `{"invono":"ZY-1"}`)
		if dig(st, "result", "medfee_sumamt") != "600.00" || dig(st, "result", "act_pay_dedc") != "300.00" ||
			dig(st, "result", "hifp_pay") != "180.00" || st["psn_cash_pay"] != "420.00" || st["clr_type"] != "21" {
			t.Fatalf("admission settlement: %v", st)
		}
		e.want(404, e.town, "GET", "/settle/visits/"+vid, "")
	})
}
