package his_test

import (
	"context"
	"encoding/json"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
)

// TestSettlementCost: a 2207 is one write transaction — the nonce is
// inserted in the settlement's own transaction — and reads before it
// only the signature (institution with its secrets) and the visit with its
// person, block, scheme in force and coverage: one query each (the scheme
// version's row is read by the first settlement under it).
func TestSettlementCost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.clients["township"]
		p := w.person(1, 0)
		for i, otp := range []string{"C1", "C2"} { // the second after the statement caches are warm
			reg := w.call(c, "2201", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "begntime": today(), "ipt_otp_no": otp}})
			visit := str(obj(t, reg, "data")["mdtrt_id"])
			w.call(c, "2204", map[string]any{"feedetail": []any{line("1", visit, "S250101001", "1", "20", "20.00")}})
			before := d.Counts()
			out := w.call(c, "2207", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "mdtrt_id": visit, "medfee_sumamt": "20.00"}})
			cost := d.Counts().Sub(before)
			checkSettlement(t, out)
			t.Logf("2207 #%d: %d reads before the transaction, %d statements in it, %d write transaction(s)",
				i+1, cost.Reads, cost.TxStatements, cost.Writes)
			if cost.Writes != 1 {
				t.Errorf("2207 #%d: %d write transactions, want 1 (nonce in the settlement's)", i+1, cost.Writes)
			}
			if i > 0 && cost.Reads > 2 { // the first also reads the scheme version's row once
				t.Errorf("2207 #%d: %d reads outside the transaction, want at most 2 (signature; visit with scheme and coverage)", i+1, cost.Reads)
			}
		}
	})
}

// TestReplayedSettlementNonce: a 2207 sent again with its exact headers
// and body is refused (401) and changes nothing — also though its msgid's
// answer is stored (a retry with a fresh nonce gets it); a 2207 refused
// for a business reason still used its nonce.
func TestReplayedSettlementNonce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.clients["township"]
		p := w.person(1, 0)
		reg := w.call(c, "2201", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "begntime": today(), "ipt_otp_no": "N1"}})
		visit := str(obj(t, reg, "data")["mdtrt_id"])
		in := map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "mdtrt_id": visit, "medfee_sumamt": "20.00"}}
		post := func(body []byte, h map[string][]string) *his.Reply {
			t.Helper()
			r, err := c.Post(context.Background(), "/callService/2207", body, h)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		// Refused (no lines yet), then replayed: 401.
		h := c.Headers()
		body, _ := json.Marshal(c.Envelope("2207", c.MsgID(), in))
		if r := post(body, h); r.Status != 200 || r.InfCode != -1 {
			t.Fatalf("2207 without lines: HTTP %d infcode %d %q", r.Status, r.InfCode, r.ErrMsg)
		}
		w.call(c, "2204", map[string]any{"feedetail": []any{line("1", visit, "S250101001", "1", "20", "20.00")}})
		before := counts(t, d)
		if r := post(body, h); r.Status != 401 || r.InfCode != -1 {
			t.Errorf("replayed nonce of a refused 2207: HTTP %d infcode %d %q", r.Status, r.InfCode, r.ErrMsg)
		}
		if !equalCounts(before, counts(t, d)) {
			t.Error("the replay of a refused 2207 wrote rows")
		}
		// Settled, then replayed exactly: 401, nothing written; a retry
		// with a fresh nonce gets the same settlement.
		msg := c.MsgID()
		h = c.Headers()
		body, _ = json.Marshal(c.Envelope("2207", msg, in))
		first := post(body, h)
		if first.Status != 200 || first.InfCode != 0 {
			t.Fatalf("2207: HTTP %d infcode %d %q", first.Status, first.InfCode, first.ErrMsg)
		}
		before = counts(t, d)
		if r := post(body, h); r.Status != 401 || r.InfCode != -1 {
			t.Errorf("replayed nonce of a settled 2207: HTTP %d infcode %d %q", r.Status, r.InfCode, r.ErrMsg)
		}
		if !equalCounts(before, counts(t, d)) {
			t.Error("the replay of a settled 2207 wrote rows")
		}
		again, err := c.Send(context.Background(), "2207", msg, in)
		if err != nil || again.InfCode != 0 {
			t.Fatalf("retry with a fresh nonce: %v %+v", err, again)
		}
		var a, b map[string]any
		_ = first.Decode(&a)
		_ = again.Decode(&b)
		if x, y := str(obj(t, a, "setlinfo")["setl_id"]), str(obj(t, b, "setlinfo")["setl_id"]); x == "" || x != y {
			t.Errorf("retry answered setl_id %q, first %q", y, x)
		}
		if !equalCounts(before, counts(t, d)) {
			t.Error("the retry wrote rows")
		}
	})
}
