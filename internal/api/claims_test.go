package api_test

import (
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestClaimsAPI checks the claims routes over HTTP: roles, field errors,
// scope and the deadline setting. The flow itself (filing to payment, same
// amounts as real-time settlement) is tested in internal/claims.
func TestClaimsAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnrollAPI(t, d)
		out := e.want(200, e.clerkA, "GET", "/claims/settings", nil)
		if out["deadline_months"] != float64(2) {
			t.Fatalf("settings %v", out)
		}
		e.want(403, e.clerkA, "PUT", "/claims/settings", map[string]any{"deadline_months": 3})
		e.want(422, e.admin, "PUT", "/claims/settings", map[string]any{"deadline_months": 0})
		e.want(200, e.admin, "PUT", "/claims/settings", map[string]any{"deadline_months": 3})
		if out := e.want(200, e.clerkA, "GET", "/claims/settings", nil); out["deadline_months"] != float64(3) {
			t.Fatalf("settings after PUT %v", out)
		}
		// An empty filing: every missing field at once, nothing written.
		out = e.want(422, e.clerkA, "POST", "/claims", map[string]any{"med_type": "21"})
		fields := map[string]bool{}
		for _, f := range out["error"].(map[string]any)["fields"].([]any) {
			fields[f.(map[string]any)["field"].(string)] = true
		}
		for _, f := range []string{"psn_no", "institution_id", "begntime", "endtime", "invono", "payee_name", "bank_account_no", "documents", "lines"} {
			if !fields[f] {
				t.Errorf("no field error for %s: %v", f, out)
			}
		}
		if out := e.want(200, e.clerkA, "GET", "/claims", nil); out["total"] != float64(0) {
			t.Fatalf("list %v", out)
		}
		e.want(404, e.clerkA, "GET", "/claims/999", nil)
		e.want(403, e.clerkA, "POST", "/claims/999/decision", map[string]any{"approve": true})
		e.want(403, e.clerkA, "GET", "/claims/payable", nil)
		if out := e.want(200, e.admin, "GET", "/claims/payable", nil); len(out["payable"].([]any)) != 0 {
			t.Fatalf("payable %v", out)
		}
		e.want(422, e.clerkA, "GET", "/claims?stage=nonsense", nil)
	})
}
