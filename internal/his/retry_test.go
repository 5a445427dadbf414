package his_test

import (
	"context"
	"sync"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestRetries: one msgid sent twice in a row and twice at once settles
// once and both callers get the same setl_id; 2601 undoes a settlement.
func TestRetries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.clients["township"]
		p := w.person(1, 0)
		prepare := func(otp string) map[string]any {
			reg := w.call(c, "2201", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "begntime": today(), "ipt_otp_no": otp}})
			visit := str(obj(t, reg, "data")["mdtrt_id"])
			w.call(c, "2204", map[string]any{"feedetail": []any{line("1", visit, "S250101001", "1", "20", "20.00")}})
			return map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "mdtrt_id": visit, "medfee_sumamt": "20.00"}}
		}
		send := func(msgid string, in any) string {
			r, err := c.Send(context.Background(), "2207", msgid, in)
			if err != nil || r.InfCode != 0 {
				t.Errorf("2207 %s: %v %+v", msgid, err, r)
				return ""
			}
			var out map[string]any
			_ = r.Decode(&out)
			checkSettlement(t, out)
			return str(obj(t, out, "setlinfo")["setl_id"])
		}
		in := prepare("R1")
		msg := c.MsgID()
		before := counts(t, d)["settlements"]
		a, b := send(msg, in), send(msg, in)
		if a == "" || a != b || counts(t, d)["settlements"] != before+1 {
			t.Errorf("sequential retry: setl_id %s then %s, %d settlements added", a, b, counts(t, d)["settlements"]-before)
		}
		in = prepare("R2")
		msg = c.MsgID()
		before = counts(t, d)["settlements"]
		ids := make([]string, 2)
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() { defer wg.Done(); ids[i] = send(msg, in) }()
		}
		wg.Wait()
		if ids[0] == "" || ids[0] != ids[1] || counts(t, d)["settlements"] != before+1 {
			t.Errorf("concurrent retry: setl_id %v, %d settlements added", ids, counts(t, d)["settlements"]-before)
		}
		w.checkYTD(t, p.PsnNo, "40.00")
		out := w.call(c, "2601", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "omsgid": msg, "oinfno": "2207"}})
		if e := str(obj(t, out, "data")["effect"]); e != "settlement_reversed" {
			t.Errorf("2601 effect %q", e)
		}
		w.checkYTD(t, p.PsnNo, "20.00")
		if r, _ := c.Send(context.Background(), "2207", msg, in); r.InfCode != -1 {
			t.Errorf("the compensated message answered %+v", r)
		}
	})
}
