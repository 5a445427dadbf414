package web

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// newClaimsApp is the console over the HIS sandbox county (scheme in force
// this year, institutions, enrolled people, a catalogue).
func newClaimsApp(t *testing.T, d *db.DB) (*testApp, *his.SandboxFile) {
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

// TestClaimPages files a claim through the form, works it through the
// first and second review queues, and checks the refusals the pages show.
func TestClaimPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, sb := newClaimsApp(t, d)
		var inst, code string
		if err := d.QueryRowContext(context.Background(), `SELECT id FROM institutions WHERE level = 'county'`).Scan(&inst); err != nil {
			t.Fatal(err)
		}
		for _, it := range sb.Catalogue {
			if it.Class == "A" && len(it.Levels) == 0 {
				code = it.MedListCodg
				break
			}
		}
		if code == "" {
			t.Fatal("no class A item in the sandbox catalogue")
		}
		for _, u := range []struct {
			name string
			role access.Role
		}{{"clerk", access.Enrollment}, {"rev1", access.Reviewer}, {"rev2", access.Reviewer}} {
			a.addUser(t, u.name, u.role, a.county)
		}
		today := civil.Of(time.Now().In(china))
		form := url.Values{"certno": {sb.Persons[0].Certno}, "institution_id": {inst}, "med_type": {"21"},
			"begntime": {today.AddDays(-10).String()}, "endtime": {today.AddDays(-3).String()}, "invono": {"FP-1"},
			"documents": {"invoice", "itemized_bill", "id_copy", "card_copy"}, "payee_name": {"张三"},
			"bank_name": {"农商行"}, "bank_account_no": {"6228480000001234"},
			"code_1": {code}, "qty_1": {"1"}, "total_1": {"1000.00"}}

		clerk := a.client(t).login("clerk", "user-pass-1")
		if r := clerk.get("/claims/new"); r.Status != 200 || !strings.Contains(r.Body, "claim-form") {
			t.Fatalf("form: %d", r.Status)
		}
		r := clerk.post("/claims/new", form)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "出院小结") {
			t.Fatalf("missing discharge summary: %d %s", r.Status, r.Body)
		}
		form["documents"] = append(form["documents"], "discharge_summary")
		r = clerk.post("/claims/new", form)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/claims/") {
			t.Fatalf("file: %d %s", r.Status, r.Body)
		}
		page := r.Location
		if strings.Contains(page, sb.Persons[0].Certno) {
			t.Fatal("ID number in a URL")
		}

		rev1 := a.client(t).login("rev1", "user-pass-1")
		if r := rev1.get("/claims?stage=first_review"); r.Status != 200 || !strings.Contains(r.Body, page) {
			t.Fatalf("first review queue: %d", r.Status)
		}
		if r := rev1.get(page); r.Status != 200 || !strings.Contains(r.Body, "claim-split") || !strings.Contains(r.Body, "claim-decide") {
			t.Fatalf("claim page: %d %s", r.Status, r.Body)
		}
		if r := rev1.post(page+"/decide", url.Values{"decision": {"approve"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("first review: %d %s", r.Status, r.Body)
		}
		// The same reviewer may not take the second review.
		if r := rev1.post(page+"/decide", url.Values{"decision": {"approve"}}); r.Status != http.StatusForbidden || !strings.Contains(r.Body, "同一人") {
			t.Fatalf("same reviewer twice: %d", r.Status)
		}
		rev2 := a.client(t).login("rev2", "user-pass-1")
		if r := rev2.post(page+"/decide", url.Values{"decision": {"reject"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("rejection without reason: %d", r.Status)
		}
		if r := rev2.post(page+"/decide", url.Values{"decision": {"approve"}, "reason": {"材料齐全"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("second review: %d %s", r.Status, r.Body)
		}
		if r := rev2.get(page); !strings.Contains(r.Body, "已审批待支付") || !strings.Contains(r.Body, "材料齐全") {
			t.Fatalf("approved page: %s", r.Body)
		}
		// A village user has no filing form.
		a.addUser(t, "cun", access.Village, a.county)
		if r := a.client(t).login("cun", "user-pass-1").get("/claims/new"); r.Status != http.StatusForbidden {
			t.Fatalf("village user on the filing form: %d", r.Status)
		}
	})
}
