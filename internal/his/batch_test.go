package his_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// 2205 with a charge batch revokes that batch's unsettled lines and no
// other: a visit with batch B1 (一般诊疗费 10.00 + 阿莫西林 6.00 = 16.00) and
// batch B2 (头孢克肟 32.00 + 阿胶 50.00) keeps 16.00 after B2 is revoked;
// an unknown batch and a settled batch are refused naming chrg_bchno, and
// nothing changes; a revoked line's number may be uploaded again.
func TestChargeBatchRevoke(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.clients["township"]
		p := w.person(1, 0)
		reg := w.call(c, "2201", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "insutype": "390", "begntime": today() + " 09:00:00",
			"mdtrt_cert_type": "02", "mdtrt_cert_no": "", "ipt_otp_no": "BATCH1", "atddr_no": "D01", "dr_name": "刘医生",
			"dept_code": "A03", "dept_name": "内科", "caty": "A03"}})
		visit := str(obj(t, reg, "data")["mdtrt_id"])
		batch := func(l map[string]any, b string) map[string]any { l["chrg_bchno"] = b; return l }
		w.call(c, "2204", map[string]any{"feedetail": []any{
			batch(line("1", visit, "S110200001", "1", "10", "10.00"), "B1"),
			batch(line("2", visit, "XJ01CAA040A001010101445", "24", "0.25", "6.00"), "B1"),
			batch(line("3", visit, "XJ01DDA080A001010101445", "10", "3.2", "32.00"), "B2"),
			batch(line("4", visit, "ZC99ZZZ0001010100001", "1", "50", "50"), "B2")}})

		refused := func(infno string, data map[string]any, want string) {
			t.Helper()
			before := counts(t, d)
			r, err := c.Call(context.Background(), infno, map[string]any{"data": data})
			if err != nil {
				t.Fatal(err)
			}
			if r.InfCode != -1 || !strings.Contains(r.ErrMsg, want) {
				t.Fatalf("%s %v: infcode %d %q, want -1 naming %q", infno, data, r.InfCode, r.ErrMsg, want)
			}
			if after := counts(t, d); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("a refused %s changed the lines: %v → %v", infno, before, after)
			}
		}
		refused("2205", map[string]any{"mdtrt_id": visit, "chrg_bchno": "B9", "psn_no": p.PsnNo}, "chrg_bchno")

		w.call(c, "2205", map[string]any{"data": map[string]any{"mdtrt_id": visit, "chrg_bchno": "B2", "psn_no": p.PsnNo}})
		var open, revoked int
		if err := d.QueryRowContext(context.Background(), `SELECT
			COALESCE(SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN status = 'revoked' THEN 1 ELSE 0 END), 0)
			FROM fee_lines WHERE visit_id = ?`, visit).Scan(&open, &revoked); err != nil {
			t.Fatal(err)
		}
		if open != 2 || revoked != 2 {
			t.Fatalf("after revoking B2: %d open, %d revoked; want 2 and 2", open, revoked)
		}
		data := map[string]any{"psn_no": p.PsnNo, "mdtrt_cert_type": "02", "mdtrt_cert_no": "", "med_type": "11", "medfee_sumamt": jsonNum("16.00"),
			"psn_setlway": "01", "mdtrt_id": visit, "chrg_bchno": "B1", "acct_used_flag": "0", "insutype": "390"}
		if got := checkSettlement(t, w.call(c, "2206", map[string]any{"data": data})); got["medfee_sumamt"].String() != "16.00" {
			t.Fatalf("pre-settlement after revoking B2: %v", got)
		}
		data["invono"] = "INV-BATCH1"
		w.call(c, "2207", map[string]any{"data": data})
		refused("2205", map[string]any{"mdtrt_id": visit, "chrg_bchno": "B1", "psn_no": p.PsnNo}, "chrg_bchno")

		// A revoked line's number may come again, in a new batch.
		w.call(c, "2204", map[string]any{"feedetail": []any{batch(line("3", visit, "XJ01DDA080A001010101445", "10", "3.2", "32.00"), "B3")}})
	})
}
