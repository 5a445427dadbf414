package his_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/institution"
)

// fuzzTarget is the sandbox county on SQLite served in-process (no
// httpx.Wrap, so a panic reaches the fuzzer with its stack).
type fuzzTarget struct {
	h  http.Handler
	c  *his.Client
	sb *his.SandboxFile
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	f.Helper()
	yaml, err := os.ReadFile("../../schemes/chongqing-2013.yaml")
	if err != nil {
		f.Fatal(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key, err := institution.NewKey(b)
	if err != nil {
		f.Fatal(err)
	}
	d := dbtest.SQLite(f)
	sb, err := his.CreateSandbox(context.Background(), d, his.SandboxOptions{SchemeFile: "chongqing-2013.yaml", SchemeYAML: yaml, Key: key})
	if err != nil {
		f.Fatal(err)
	}
	in := sb.Institutions[0]
	return &fuzzTarget{h: his.New(his.Config{DB: d, Key: key}), sb: sb,
		c: &his.Client{Code: in.FixmedinsCode, Name: in.FixmedinsName, Area: sb.MdtrtareaAdmvs, PaasID: in.PaasID, Secret: in.Secret}}
}

// post sends body (signed) to path below his.Prefix and checks the
// invariants every answer keeps: never a 500, always the envelope, infcode
// 0 or -1, and a failure always says why.
func (ft *fuzzTarget) post(t *testing.T, path string, body []byte) {
	req := httptest.NewRequest("POST", his.Prefix+path, bytes.NewReader(body))
	req.Header = ft.c.Headers()
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	ft.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK && rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("HTTP %d for %q: %s", rec.Code, body, rec.Body)
	}
	var env struct {
		InfCode *his.InfCode    `json:"infcode"`
		ErrMsg  string          `json:"err_msg"`
		Output  json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.InfCode == nil {
		t.Fatalf("answer is not an envelope (%v): %s", err, rec.Body)
	}
	switch *env.InfCode {
	case 0:
		if len(env.Output) == 0 || env.ErrMsg != "" {
			t.Fatalf("infcode 0 with err_msg %q / output %s", env.ErrMsg, env.Output)
		}
	case -1:
		if strings.TrimSpace(env.ErrMsg) == "" {
			t.Fatalf("infcode -1 without err_msg: %s", rec.Body)
		}
	default:
		t.Fatalf("infcode %d", *env.InfCode)
	}
}

// envelope is a well-formed envelope around raw input.
func (ft *fuzzTarget) envelope(infno string, input json.RawMessage) []byte {
	env := ft.c.Envelope(infno, ft.c.MsgID(), input)
	b, err := json.Marshal(env)
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzEnvelope sends arbitrary bodies, signed, to the interface: whatever
// the bytes, the answer is an envelope with infcode -1 and a message (or 0
// for a valid transaction), never a 500 or a panic.
func FuzzEnvelope(f *testing.F) {
	ft := newFuzzTarget(f)
	p := ft.sb.Persons[0]
	for _, s := range []string{
		string(ft.envelope("9001", json.RawMessage(`{"signIn":{"opter_no":"001","mac":"00-16","ip":"10.0.0.8"}}`))),
		string(ft.envelope("1101", json.RawMessage(`{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"`+p.Certno+`","psn_cert_type":"01","certno":"`+p.Certno+`"}}`))),
		string(ft.envelope("5203", json.RawMessage(`{"data":{"psn_no":"1","setl_id":"1","mdtrt_id":"1"}}`))),
		`{"infno":"2204","msgid":`, `{}`, `[]`, `null`, `""`, `{"infno":9001}`, `{"infno":"9001","msgid":"x","input":{}}{}`,
		`{"infno":"9001","msgid":"` + strings.Repeat("9", 40) + `","fixmedins_code":"` + ft.c.Code + `","input":null}`,
		`{"infno":"9001","msgid":"m1","fixmedins_code":"H000000000000","input":{}}`,
		`{"infno":"2207","msgid":"m2","fixmedins_code":"` + ft.c.Code + `","input":{"data":[]},"opter_type":{}}`,
		"\xef\xbb\xbf{}", "{\"infno\":\"\u0000\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ft.post(t, "/callService", body)
	})
}

// FuzzTransaction sends arbitrary input nodes to every transaction (sel
// chooses the infno among his.Infnos): invalid input gives infcode -1 with
// a message naming the problem, never a 500 or a panic.
func FuzzTransaction(f *testing.F) {
	ft := newFuzzTarget(f)
	p := ft.sb.Persons[0]
	day := time.Now().In(his.China).Format("2006-01-02")
	line := `{"feedetl_sn":"1","mdtrt_id":"1","chrg_bchno":"B1","fee_ocur_time":"` + day + ` 09:30:00","med_list_codg":"S110200001",` +
		`"medins_list_codg":"S110200001","det_item_fee_sumamt":10.00,"cnt":1,"pric":"10","hosp_appr_flag":"0"}`
	setl := `{"data":{"psn_no":"` + p.PsnNo + `","mdtrt_cert_type":"02","mdtrt_cert_no":"","med_type":"11","medfee_sumamt":"10.00",` +
		`"psn_setlway":"01","mdtrt_id":"1","chrg_bchno":"B1","acct_used_flag":"0","insutype":"390","invono":"I1"}}`
	seeds := map[string][]string{
		"9001": {`{"signIn":{"opter_no":"001","mac":"00-16-EA-AE-3C-40","ip":"10.0.0.8"}}`},
		"1101": {`{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"` + p.Certno + `","card_sn":"","psn_cert_type":"01","certno":"` + p.Certno + `","psn_name":"` + p.PsnName + `","begntime":"` + day + `"}}`,
			`{"data":{"mdtrt_cert_type":"02","mdtrt_cert_no":"110101199003077777"}}`},
		"2201": {`{"data":{"psn_no":"` + p.PsnNo + `","insutype":"390","begntime":"` + day + ` 09:00:00","mdtrt_cert_type":"02","ipt_otp_no":"MZ1","atddr_no":"D01","dr_name":"刘","dept_code":"A03","dept_name":"内科","caty":"A03"}}`},
		"2202": {`{"data":{"psn_no":"` + p.PsnNo + `","mdtrt_id":"1","ipt_otp_no":"MZ1"}}`},
		"2203": {`{"mdtrtinfo":{"mdtrt_id":"1","psn_no":"` + p.PsnNo + `","med_type":"11","begntime":"` + day + `"},"diseinfo":[{"diag_type":"1","diag_srt_no":"1","diag_code":"J18.9","diag_name":"肺炎"}]}`},
		"2204": {`{"feedetail":[` + line + `]}`, `{"feedetail":` + line + `}`,
			`{"feedetail":[{"feedetl_sn":"2","mdtrt_id":"1","med_list_codg":"S110200001","det_item_fee_sumamt":"-10.00","cnt":"-1","pric":"10","init_feedetl_sn":"1"}]}`},
		"2205": {`{"data":{"mdtrt_id":"1","chrg_bchno":"0000","psn_no":"` + p.PsnNo + `"}}`},
		"2206": {setl}, "2207": {setl},
		"2208": {`{"data":{"setl_id":"1","mdtrt_id":"1","psn_no":"` + p.PsnNo + `"}}`},
		"2401": {`{"mdtrtinfo":{"psn_no":"` + p.PsnNo + `","insutype":"390","begntime":"` + day + ` 08:00:00","mdtrt_cert_type":"02","med_type":"21","ipt_no":"ZY1","adm_diag_dscr":"肺炎"},"diseinfo":[{"diag_type":"1","maindiag_flag":"1","diag_srt_no":"1","diag_code":"J18.9","diag_name":"肺炎"}]}`},
		"2404": {`{"data":{"mdtrt_id":"2","psn_no":"` + p.PsnNo + `"}}`},
		"2301": {`{"feedetail":[` + strings.Replace(line, `"mdtrt_id":"1"`, `"mdtrt_id":"2"`, 1) + `]}`},
		"2302": {`{"data":[{"feedetl_sn":"1","mdtrt_id":"2","psn_no":"` + p.PsnNo + `"}]}`},
		"2402": {`{"dscginfo":{"mdtrt_id":"2","psn_no":"` + p.PsnNo + `","insutype":"390","endtime":"` + day + ` 10:00:00","dise_codg":"J18.9","dise_name":"肺炎","dscg_way":"1"}}`},
		"2303": {strings.Replace(setl, `"mdtrt_id":"1"`, `"mdtrt_id":"2"`, 1)},
		"2304": {strings.Replace(setl, `"mdtrt_id":"1"`, `"mdtrt_id":"2"`, 1)},
		"2305": {`{"data":{"mdtrt_id":"2","setl_id":"2","psn_no":"` + p.PsnNo + `"}}`},
		"2601": {`{"data":{"psn_no":"` + p.PsnNo + `","omsgid":"X","oinfno":"2207"}}`},
		"3201": {`{"data":{"insutype":"390","clr_type":"11","setl_optins":"500230","stmt_begndate":"` + day + `","stmt_enddate":"` + day + `","medfee_sumamt":"0","fund_pay_sumamt":"0","acct_pay":"0","fixmedins_setl_cnt":"0"}}`},
		"5203": {`{"data":{"psn_no":"` + p.PsnNo + `","setl_id":"1","mdtrt_id":"1"}}`},
	}
	for i, infno := range his.Infnos {
		for _, s := range append(seeds[infno], `{}`, `null`, `{"data":null}`, `{"data":[]}`, `{"data":{"psn_no":{}}}`) {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, input []byte) {
		if !json.Valid(input) {
			return // not an input node: FuzzEnvelope covers malformed bodies
		}
		infno := his.Infnos[int(sel)%len(his.Infnos)]
		ft.post(t, "/callService/"+infno, ft.envelope(infno, json.RawMessage(input)))
	})
}
