package his_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/institution"
)

// badCase is one refused request: status and infcode -1 with err_msg
// containing want, and nothing written.
type badCase struct {
	name   string
	client string // institution level
	infno  string
	input  any
	raw    []byte                       // a raw body instead of input
	header func(h http.Header)          // tamper with the signed headers
	prep   func(t *testing.T, w *world) // state change before (not counted)
	status int
	want   string
}

func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.person(1, 0)
		_, _, visit := w.outpatientVisit(t, p.PsnNo, "MZ100")
		reg := w.call(w.clients["township"], "2201", map[string]any{"data": map[string]any{"psn_no": p.PsnNo,
			"begntime": today(), "ipt_otp_no": "MZ101"}})
		open := str(obj(t, reg, "data")["mdtrt_id"])
		okLine := func(sn string) map[string]any { return line(sn, open, "S250101001", "2", "20", "40.00") }
		with := func(k string, v any) []any {
			l := okLine("1")
			if v == nil {
				delete(l, k)
			} else {
				l[k] = v
			}
			return []any{okLine("0"), okLine("9"), l}
		}
		settleData := func(psn, visit string) map[string]any {
			return map[string]any{"data": map[string]any{"psn_no": psn, "mdtrt_id": visit, "medfee_sumamt": "40.00"}}
		}
		cases := []badCase{
			{name: "unknown infno", infno: "9999", input: map[string]any{}, want: "unknown transaction"},
			{name: "malformed JSON", infno: "2204", raw: []byte(`{"infno":"2204","msgid":`), want: "not valid JSON"},
			{name: "missing field", infno: "2204", input: map[string]any{"feedetail": with("cnt", nil)}, want: "feedetail[2].cnt"},
			{name: "mistyped field", infno: "2204", input: map[string]any{"feedetail": with("cnt", map[string]any{})}, want: "feedetail[2].cnt: 应为字符串或数字"},
			{name: "cnt × pric ≠ total", infno: "2204", input: map[string]any{"feedetail": with("det_item_fee_sumamt", jsonNum("41.00"))}, want: "cnt × pric"},
			{name: "3 decimals", infno: "2204", input: map[string]any{"feedetail": with("det_item_fee_sumamt", jsonNum("40.001"))},
				want: "feedetail[2].det_item_fee_sumamt: 金额小数位超过2位 / more than 2 decimal places"},
			{name: "negative amount", infno: "2204", input: map[string]any{"feedetail": with("det_item_fee_sumamt", "-40.00")}, want: "must not be negative"},
			{name: "negative medfee", infno: "2207", input: map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "mdtrt_id": open, "medfee_sumamt": "-1"}}, want: "data.medfee_sumamt"},
			{name: "not covered on the date", infno: "2201", input: map[string]any{"data": map[string]any{"psn_no": p.PsnNo,
				"begntime": strconv.Itoa(w.sb.Year-1) + "-06-01", "ipt_otp_no": "MZ102"}}, want: "not covered"},
			{name: "blocked person", infno: "2201", input: map[string]any{"data": map[string]any{"psn_no": w.person(2, 0).PsnNo,
				"begntime": today(), "ipt_otp_no": "MZ103"}}, prep: func(t *testing.T, w *world) {
				if _, err := w.settleSvc().Block(w.ctx, idOf(t, w.person(2, 0).PsnNo), "骗保调查"); err != nil {
					t.Fatal(err)
				}
			}, want: "blocked"},
			{name: "another institution's mdtrt_id", client: "county", infno: "2207", input: settleData(p.PsnNo, visit), want: "mdtrt_id"},
			{name: "fixmedins_code of another", infno: "2206", input: settleData(p.PsnNo, open),
				header: nil, want: "fixmedins_code", client: "spoof"},
			{name: "wrong signature", infno: "2206", input: settleData(p.PsnNo, open), header: func(h http.Header) {
				h.Set(his.HeaderSignature, strings.Repeat("0", 64))
			}, status: 401, want: "bad_signature|签名"},
			{name: "old timestamp", infno: "2206", input: settleData(p.PsnNo, open), header: func(h http.Header) {
				ts := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
				h.Set(his.HeaderTimestamp, ts)
				h.Set(his.HeaderSignature, institution.Sign(ts, w.clients["township"].Secret, h.Get(his.HeaderNonce)))
			}, status: 401, want: "时间"},
			{name: "suspended institution", client: "city", infno: "2201", input: map[string]any{"data": map[string]any{"psn_no": p.PsnNo,
				"begntime": today(), "ipt_otp_no": "MZ104"}}, prep: func(t *testing.T, w *world) {
				svc := institution.New(w.d, institution.Options{Key: w.key})
				in, err := svc.ByCode(w.ctx, w.clients["city"].Code)
				if err == nil {
					_, err = svc.Suspend(w.ctx, in.ID, "违规")
				}
				if err != nil {
					t.Fatal(err)
				}
			}, status: 401, want: "suspended"},
		}
		for _, bc := range cases {
			t.Run(bc.name, func(t *testing.T) { w.refused(t, bc) })
		}
		t.Run("reused nonce", func(t *testing.T) {
			w.reusedNonce(t, map[string]any{"data": map[string]any{"mdtrt_cert_type": "02", "certno": p.Certno}})
		})
	})
}

func idOf(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// refused sends one bad case and checks the answer and that nothing changed.
func (w *world) refused(t *testing.T, bc badCase) {
	if bc.prep != nil {
		bc.prep(t, w)
	}
	c := w.clients["township"]
	if bc.client != "" && bc.client != "spoof" {
		c = w.clients[bc.client]
	}
	body := bc.raw
	if body == nil {
		env := c.Envelope(bc.infno, c.MsgID(), bc.input)
		if bc.client == "spoof" {
			env["fixmedins_code"] = w.clients["county"].Code
		}
		body, _ = json.Marshal(env)
	}
	h := c.Headers()
	if bc.header != nil {
		bc.header(h)
	}
	before := counts(t, w.d)
	r, err := c.Post(context.Background(), "/callService/"+bc.infno, body, h)
	if err != nil {
		t.Fatal(err)
	}
	status := bc.status
	if status == 0 {
		status = 200
	}
	if r.Status != status || r.InfCode != -1 || !matchAny(r.ErrMsg, bc.want) {
		t.Errorf("HTTP %d infcode %d err_msg %q; want HTTP %d, -1, %q", r.Status, r.InfCode, r.ErrMsg, status, bc.want)
	}
	if strings.Contains(string(r.Body), "goroutine") || strings.Contains(string(r.Body), ".go:") {
		t.Errorf("answer leaks internals: %s", r.Body)
	}
	if after := counts(t, w.d); !equalCounts(before, after) {
		t.Errorf("rows written: before %v after %v", before, after)
	}
}

func matchAny(s, alts string) bool {
	for _, a := range strings.Split(alts, "|") {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// reusedNonce replays a request's exact headers: the second is refused.
func (w *world) reusedNonce(t *testing.T, input any) {
	c := w.clients["township"]
	h := c.Headers()
	body, _ := json.Marshal(c.Envelope("1101", c.MsgID(), input))
	r1, err := c.Post(context.Background(), "/callService/1101", body, h)
	if err != nil || r1.InfCode != 0 {
		t.Fatalf("first: %v %+v", err, r1)
	}
	before := counts(t, w.d)
	r2, err := c.Post(context.Background(), "/callService/1101", body, h)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Status != 401 || r2.InfCode != -1 || r2.ErrMsg == "" {
		t.Errorf("replayed nonce: HTTP %d infcode %d %q", r2.Status, r2.InfCode, r2.ErrMsg)
	}
	if !equalCounts(before, counts(t, w.d)) {
		t.Error("replay wrote rows")
	}
}
