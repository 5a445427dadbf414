package crashtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ncms/internal/his"
	"ncms/internal/money"
)

// ack is a settlement or reversal whose answer a client received.
type ack struct {
	SetlID   int64
	MsgID    string
	Infno    string
	Inst     string // fixmedins_code
	Psn      int64
	Visit    int64
	Reverses int64 // the settlement a reversal undoes, else 0
	MedFee   money.Fen
	Fund     money.Fen
}

// ledgerBook collects what the clients were told.
type ledgerBook struct {
	mu       sync.Mutex
	acks     map[int64]ack // by setl_id
	problems []string      // contradictions seen by the clients
	// inDoubt: settlements and reversals whose first attempt failed (the
	// server was killed under it), with the time of that failure. Those
	// committed before it were answered by replaying the stored answer.
	inDoubt map[string]doubt // by msgid
}

// doubt: when the first attempt failed and when the answered one began.
type doubt struct{ failed, answered time.Time }

func (b *ledgerBook) doubt(msgid string, d doubt) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inDoubt[msgid] = d
}

func (b *ledgerBook) add(a ack) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if old, ok := b.acks[a.SetlID]; ok && old.MsgID != a.MsgID {
		b.problems = append(b.problems, fmt.Sprintf("setl_id %d answered to two messages: %s and %s", a.SetlID, old.MsgID, a.MsgID))
	}
	b.acks[a.SetlID] = a
}

func (b *ledgerBook) problem(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// counters of the run.
type counters struct {
	visits, settled, reversed, resettled, duplicates  atomic.Int64
	retries, transportErrors, serverErrors, impatient atomic.Int64
}

// worker plays one HIS terminal: visits one after another until stop,
// each message retried with its msgid until it is answered.
type worker struct {
	id       int
	rng      *rand.Rand
	township *his.Client // outpatient visits
	county   *his.Client // admissions
	persons  []his.SandboxPerson
	book     *ledgerBook
	n        *counters
	day      string
	seq      int
}

const requestTimeout = 8 * time.Second

// send sends one message and retries it with the same msgid on transport
// errors, timeouts and HTTP 5xx until it gets an answer (or ctx ends). A
// business refusal (infcode -1) is returned as an error.
func (w *worker) send(ctx context.Context, c *his.Client, infno, msgid string, input any) (json.RawMessage, error) {
	out, _, err := w.sendAt(ctx, c, infno, msgid, input, requestTimeout)
	return out, err
}

// sendAt is send with a timeout for the first attempt; it also returns
// when the first attempt failed and the answered one began (zero when the
// first was answered).
func (w *worker) sendAt(ctx context.Context, c *his.Client, infno, msgid string, input any, first time.Duration) (json.RawMessage, doubt, error) {
	backoff := 20 * time.Millisecond
	var failed doubt
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			failed.answered = time.Now()
		}
		timeout := requestTimeout
		if attempt == 0 {
			timeout = first
		}
		rctx, cancel := context.WithTimeout(ctx, timeout)
		r, err := c.Send(rctx, infno, msgid, input)
		cancel()
		if attempt == 0 && (err != nil || r.Status >= 500) {
			failed.failed = time.Now()
		}
		switch {
		case err == nil && r.Status == http.StatusOK && r.InfCode == 0:
			return r.Output, failed, nil
		case err == nil && r.Status < 500:
			return nil, failed, fmt.Errorf("%s msgid %s (attempt %d): HTTP %d infcode %d: %s", infno, msgid, attempt+1, r.Status, r.InfCode, r.ErrMsg)
		case err == nil:
			w.n.serverErrors.Add(1)
		default:
			w.n.transportErrors.Add(1)
		}
		if ctx.Err() != nil {
			return nil, failed, fmt.Errorf("%s msgid %s: gave up after %d attempts: %w", infno, msgid, attempt+1, errors.Join(ctx.Err(), err))
		}
		w.n.retries.Add(1)
		time.Sleep(backoff + time.Duration(w.rng.Int64N(int64(backoff))))
		backoff = min(2*backoff, 400*time.Millisecond)
	}
}

// run does visits until stop is closed; a visit under way is finished.
func (w *worker) run(ctx context.Context, stop <-chan struct{}) error {
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		var err error
		if w.rng.IntN(3) == 0 {
			err = w.admission(ctx)
		} else {
			err = w.outpatient(ctx)
		}
		if err != nil {
			return fmt.Errorf("worker %d: %w", w.id, err)
		}
		w.n.visits.Add(1)
	}
}

func (w *worker) person() his.SandboxPerson { return w.persons[w.rng.IntN(len(w.persons))] }

func (w *worker) line(sn, visit, code, cnt, pric, total string) map[string]any {
	return map[string]any{"feedetl_sn": sn, "mdtrt_id": visit, "psn_no": "", "chrg_bchno": "B1", "fee_ocur_time": w.day + " 09:30:00",
		"med_list_codg": code, "medins_list_codg": code, "det_item_fee_sumamt": json.Number(total), "cnt": json.Number(cnt),
		"pric": json.Number(pric), "hosp_appr_flag": "0"}
}

// outpatient: 2201 → 2204 → 2207, sometimes 2208 and a new 2207.
func (w *worker) outpatient(ctx context.Context) error {
	c, p := w.township, w.person()
	w.seq++
	out, err := w.send(ctx, c, "2201", c.MsgID(), map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "insutype": "390",
		"begntime": w.day + " 09:00:00", "mdtrt_cert_type": "02", "mdtrt_cert_no": p.Certno,
		"ipt_otp_no": fmt.Sprintf("MZ%d-%d", w.id, w.seq), "dept_name": "内科", "dr_name": "刘医生"}})
	if err != nil {
		return err
	}
	visit, err := field(out, "data", "mdtrt_id")
	if err != nil {
		return err
	}
	lines := []any{w.line("1", visit, "S110200001", "1", "10", "10.00"), w.line("2", visit, "XJ01CAA040A001010101445", "24", "0.25", "6.00"),
		w.line("3", visit, "XJ01DDA080A001010101445", "10", "3.2", "32.00"), w.line("4", visit, "ZC99ZZZ0001010100001", "1", "50", "50.00")}
	if _, err := w.send(ctx, c, "2204", c.MsgID(), map[string]any{"feedetail": lines}); err != nil {
		return err
	}
	data := map[string]any{"psn_no": p.PsnNo, "mdtrt_cert_type": "02", "mdtrt_cert_no": p.Certno, "med_type": "11",
		"medfee_sumamt": json.Number("98.00"), "psn_setlway": "01", "mdtrt_id": visit, "chrg_bchno": "B1",
		"acct_used_flag": "0", "insutype": "390", "invono": "INV" + visit}
	return w.settleAndMaybeReverse(ctx, c, "2207", "2208", p, visit, data)
}

// admission: 2401 → 2301 → 2402 → 2304, sometimes 2305 and a new 2304.
func (w *worker) admission(ctx context.Context) error {
	c, p := w.county, w.person()
	w.seq++
	out, err := w.send(ctx, c, "2401", c.MsgID(), map[string]any{"mdtrtinfo": map[string]any{"psn_no": p.PsnNo, "insutype": "390",
		"begntime": w.day + " 08:00:00", "mdtrt_cert_type": "02", "mdtrt_cert_no": p.Certno, "med_type": "21",
		"ipt_no": fmt.Sprintf("ZY%d-%d", w.id, w.seq), "adm_diag_dscr": "肺炎", "adm_dept_codg": "A03", "adm_dept_name": "内科",
		"dscg_maindiag_code": "J18.9"},
		"diseinfo": []any{map[string]any{"diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1", "diag_code": "J18.9", "diag_name": "肺炎"}}})
	if err != nil {
		return err
	}
	visit, err := field(out, "result", "mdtrt_id")
	if err != nil {
		return err
	}
	lines := []any{w.line("1", visit, "F110200001", "5", "30", "150.00"), w.line("2", visit, "XJ01DDA080A001010101445", "20", "3.20", "64.00"),
		w.line("3", visit, "S210300001", "1", "200", "200.00"), w.line("4", visit, "ZC99ZZZ0001010100001", "2", "50", "100.00"),
		w.line("5", visit, "S250101001", "2", "20", "40.00")}
	if _, err := w.send(ctx, c, "2301", c.MsgID(), map[string]any{"feedetail": lines}); err != nil {
		return err
	}
	if _, err := w.send(ctx, c, "2402", c.MsgID(), map[string]any{"dscginfo": map[string]any{"mdtrt_id": visit, "psn_no": p.PsnNo,
		"insutype": "390", "endtime": w.day + " 10:00:00", "dise_codg": "J18.9", "dise_name": "肺炎", "dscg_way": "1"}}); err != nil {
		return err
	}
	data := map[string]any{"psn_no": p.PsnNo, "mdtrt_cert_type": "02", "mdtrt_cert_no": p.Certno, "medfee_sumamt": json.Number("554.00"),
		"psn_setlway": "01", "mdtrt_id": visit, "acct_used_flag": "0", "insutype": "390", "mid_setl_flag": "0", "invono": "INV" + visit}
	return w.settleAndMaybeReverse(ctx, c, "2304", "2305", p, visit, data)
}

// settleAndMaybeReverse settles; a third of the settlements are reversed,
// and half of those settled again. Some answered messages are sent once
// more, as a HIS does that lost the answer: same answer, nothing new.
func (w *worker) settleAndMaybeReverse(ctx context.Context, c *his.Client, settleNo, reverseNo string, p his.SandboxPerson, visit string, data map[string]any) error {
	for round := 0; ; round++ {
		a, err := w.message(ctx, c, settleNo, map[string]any{"data": data}, 0)
		if err != nil {
			return err
		}
		if round == 0 {
			w.n.settled.Add(1)
		} else {
			w.n.resettled.Add(1)
		}
		if w.rng.IntN(3) != 0 {
			return nil
		}
		in := map[string]any{"data": map[string]any{"setl_id": strconv.FormatInt(a.SetlID, 10), "mdtrt_id": visit, "psn_no": p.PsnNo}}
		if _, err := w.message(ctx, c, reverseNo, in, a.SetlID); err != nil {
			return err
		}
		w.n.reversed.Add(1)
		if round > 0 || w.rng.IntN(2) == 0 {
			return nil
		}
	}
}

// message sends a settlement or reversal with a new msgid, records the
// answer, and sometimes sends the same message again and compares. A
// quarter of the first attempts give up after 1–30 ms, as a HIS with a
// short timeout does: the server usually goes on and commits, and the
// retry (often while the first is still running) must get that answer.
func (w *worker) message(ctx context.Context, c *his.Client, infno string, in map[string]any, reverses int64) (ack, error) {
	msgid := c.MsgID()
	first := requestTimeout
	if w.rng.IntN(4) == 0 {
		first = time.Duration(1+w.rng.IntN(30)) * time.Millisecond
		w.n.impatient.Add(1)
	}
	out, failed, err := w.sendAt(ctx, c, infno, msgid, in, first)
	if err != nil {
		return ack{}, err
	}
	if !failed.failed.IsZero() {
		w.book.doubt(msgid, failed)
	}
	a, err := readAck(out, infno, msgid, c.Code, reverses)
	if err != nil {
		return ack{}, err
	}
	w.book.add(a)
	if w.rng.IntN(6) == 0 {
		out2, err := w.send(ctx, c, infno, msgid, in)
		if err != nil {
			return ack{}, fmt.Errorf("resent %w", err)
		}
		b, err := readAck(out2, infno, msgid, c.Code, reverses)
		if err != nil {
			return ack{}, err
		}
		if b != a {
			w.book.problem("%s msgid %s sent again: answer %+v, first answer %+v", infno, msgid, b, a)
		}
		w.n.duplicates.Add(1)
	}
	return a, nil
}

// readAck reads setlinfo from a settlement or reversal answer.
func readAck(out json.RawMessage, infno, msgid, inst string, reverses int64) (ack, error) {
	var o struct {
		Setlinfo struct {
			SetlID       json.Number `json:"setl_id"`
			MdtrtID      json.Number `json:"mdtrt_id"`
			PsnNo        json.Number `json:"psn_no"`
			MedfeeSumamt json.Number `json:"medfee_sumamt"`
			FundPay      json.Number `json:"fund_pay_sumamt"`
			MedinsSetlID string      `json:"medins_setl_id"`
		} `json:"setlinfo"`
	}
	if err := json.Unmarshal(out, &o); err != nil {
		return ack{}, fmt.Errorf("%s msgid %s: answer %s: %w", infno, msgid, out, err)
	}
	s := o.Setlinfo
	a := ack{MsgID: msgid, Infno: infno, Inst: inst, Reverses: reverses}
	var errs []error
	var err error
	a.SetlID, err = s.SetlID.Int64()
	errs = append(errs, err)
	a.Visit, err = s.MdtrtID.Int64()
	errs = append(errs, err)
	a.Psn, err = s.PsnNo.Int64()
	errs = append(errs, err)
	a.MedFee, err = money.Parse(s.MedfeeSumamt.String())
	errs = append(errs, err)
	a.Fund, err = money.Parse(s.FundPay.String())
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return ack{}, fmt.Errorf("%s msgid %s: answer %s: %w", infno, msgid, out, err)
	}
	if s.MedinsSetlID != msgid && reverses == 0 {
		return ack{}, fmt.Errorf("%s msgid %s: medins_setl_id %q", infno, msgid, s.MedinsSetlID)
	}
	return a, nil
}

// field returns output[node][key] as text.
func field(out json.RawMessage, node, key string) (string, error) {
	var o map[string]map[string]json.RawMessage
	if err := json.Unmarshal(out, &o); err != nil {
		return "", fmt.Errorf("answer %s: %w", out, err)
	}
	raw, ok := o[node][key]
	if !ok {
		return "", fmt.Errorf("answer %s: no %s.%s", out, node, key)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	return string(raw), nil
}
