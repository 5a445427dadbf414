package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestStatementsAPI checks the statement routes over HTTP: roles, maker-
// checker, field errors and the statement body. Figures are tested in
// internal/statement.
func TestStatementsAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnrollAPI(t, d)
		ctx := context.Background()
		root, _ := e.reg.Root(access.WithActor(ctx, access.System("test")))
		var inst int64
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var err error
			inst, err = tx.InsertID(ctx, `INSERT INTO institutions (code, name, level, in_county, agreement, networked, bank_name,
				bank_account_name, bank_account_no, status, status_since, paasid, created_at, updated_at) VALUES ('H52022200001',
				'红果镇卫生院', 'township', TRUE, TRUE, TRUE, '农信社', '红果镇卫生院', '0001', 'active', '2013-01-01', 'p1', '', '')`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		users := map[string]string{}
		for name, role := range map[string]access.Role{"fin1": access.Finance, "fin2": access.Finance, "dir": access.Director, "insp": access.Inspector} {
			users[name] = e.tokenFor(d, name, role, root.ID)
		}
		month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
		e.want(403, e.clerkA, "POST", "/statements", map[string]any{"institution_id": inst, "period": month})
		e.want(422, users["insp"], "POST", "/statements/deductions", map[string]any{"institution_id": inst})
		e.want(201, users["insp"], "POST", "/statements/deductions", map[string]any{"institution_id": inst, "amount": "150.00",
			"reason": "串换药品", "source_type": "inspection_case", "source_ref": "JC-9"})
		// A second deduction entered in error: cancelling needs a reason, an
		// unknown id is not found, and the cancelled one is never taken.
		extra := e.want(201, users["insp"], "POST", "/statements/deductions", map[string]any{"institution_id": inst, "amount": "80.00",
			"reason": "重复录入", "source_type": "inspection_case", "source_ref": "JC-10"})
		xid := fmt.Sprint(extra["id"])
		e.want(422, users["insp"], "POST", "/statements/deductions/"+xid+"/cancel", map[string]any{})
		e.want(404, users["insp"], "POST", "/statements/deductions/999999/cancel", map[string]any{"reason": "x"})
		if c := e.want(200, users["insp"], "POST", "/statements/deductions/"+xid+"/cancel", map[string]any{"reason": "录入错误"}); c["status"] != "cancelled" {
			t.Fatalf("cancelled deduction: %v", c)
		}
		if bad := e.want(422, users["fin1"], "POST", "/statements", map[string]any{"institution_id": inst, "period": "2013-13"}); fmt.Sprint(bad["error"]) == "" ||
			!strings.Contains(fmt.Sprint(bad["error"]), "field:period") {
			t.Fatalf("a malformed month must name the period field: %v", bad)
		}
		st := e.want(201, users["fin1"], "POST", "/statements", map[string]any{"institution_id": inst, "period": month})
		if st["deducted"] != "150.00" || st["payable"] != "-150.00" || st["status"] != "draft" {
			t.Fatalf("prepared: %v", st)
		}
		id := fmt.Sprint(st["id"])
		e.want(403, users["fin1"], "POST", "/statements/"+id+"/check", map[string]any{})
		e.want(422, users["fin2"], "POST", "/statements/"+id+"/reject", map[string]any{})
		e.want(200, users["fin2"], "POST", "/statements/"+id+"/check", map[string]any{"note": "ok"})
		e.want(403, users["fin2"], "POST", "/statements/"+id+"/approve", map[string]any{})
		e.want(200, users["dir"], "POST", "/statements/"+id+"/approve", map[string]any{"note": "同意"})
		body := e.want(200, e.admin, "GET", "/statements/"+id, nil)
		if evs := body["events"].([]any); len(evs) != 3 || len(body["deductions"].([]any)) != 1 {
			t.Fatalf("statement body: %v", body)
		}
		e.want(403, e.clerkA, "GET", "/statements/"+id, nil)
		if list := e.want(200, users["fin1"], "GET", "/statements?period="+month, nil); len(list["statements"].([]any)) != 1 {
			t.Fatalf("list: %v", list)
		}
		e.want(200, users["fin1"], "GET", "/statements/payable", nil)
		e.want(422, users["fin1"], "POST", "/statements/batches", map[string]any{"items": []any{}})
		e.want(404, users["fin1"], "GET", "/statements/batches/99/file", nil)
	})
}

// tokenFor creates a user of role in area and returns a bearer token.
func (e *enrollAPI) tokenFor(d *db.DB, name string, role access.Role, area int64) string {
	e.t.Helper()
	ctx := context.Background()
	sys := access.WithActor(ctx, access.System("test"))
	app := auth.New(d, auth.Options{BcryptCost: bcrypt.MinCost})
	if _, _, err := app.CreateUser(sys, auth.UserInput{Username: name, DisplayName: name, Role: role, AreaID: area, Password: "Clerk-pass-123"}); err != nil {
		e.t.Fatal(err)
	}
	_, p, err := app.Login(ctx, name, "Clerk-pass-123", "127.0.0.1", "")
	if err != nil {
		e.t.Fatal(err)
	}
	_, secret, err := app.CreateToken(access.WithActor(ctx, p.Actor), "test", time.Now().Add(time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}
