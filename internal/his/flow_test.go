package his_test

import (
	"context"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/money"
)

func today() string { return time.Now().In(his.China).Format("2006-01-02") }

func line(sn, visit, code, cnt, pric, total string) map[string]any {
	return map[string]any{"feedetl_sn": sn, "mdtrt_id": visit, "psn_no": "", "chrg_bchno": "B1", "fee_ocur_time": today() + " 09:30:00",
		"med_list_codg": code, "medins_list_codg": code, "det_item_fee_sumamt": jsonNum(total), "cnt": jsonNum(cnt), "pric": jsonNum(pric),
		"hosp_appr_flag": "0"}
}

// outpatientVisit registers, uploads and settles one outpatient visit at
// the township hospital; it returns the 2207 amounts, setl_id and mdtrt_id.
func (w *world) outpatientVisit(t *testing.T, psnNo, otp string) (map[string]money.Fen, string, string) {
	c := w.clients["township"]
	reg := w.call(c, "2201", map[string]any{"data": map[string]any{"psn_no": psnNo, "insutype": "390", "begntime": today() + " 09:00:00",
		"mdtrt_cert_type": "02", "mdtrt_cert_no": "", "ipt_otp_no": otp, "atddr_no": "D01", "dr_name": "刘医生",
		"dept_code": "A03", "dept_name": "内科", "caty": "A03"}})
	visit := str(obj(t, reg, "data")["mdtrt_id"])
	lines := []any{line("1", visit, "S110200001", "1", "10", "10.00"), line("2", visit, "XJ01CAA040A001010101445", "24", "0.25", "6.00"),
		line("3", visit, "XJ01DDA080A001010101445", "10", "3.2", "32.00"), line("4", visit, "ZC99ZZZ0001010100001", "1", "50", "50")}
	up := w.call(c, "2204", map[string]any{"feedetail": lines})
	if res := up["result"].([]any); len(res) != 4 || str(res[2].(map[string]any)["preselfpay_amt"]) != "3.20" {
		t.Fatalf("2204 result: %v", pretty(up))
	}
	data := map[string]any{"psn_no": psnNo, "mdtrt_cert_type": "02", "mdtrt_cert_no": "", "med_type": "11", "medfee_sumamt": jsonNum("98.00"),
		"psn_setlway": "01", "mdtrt_id": visit, "chrg_bchno": "B1", "acct_used_flag": "0", "insutype": "390"}
	pre := checkSettlement(t, w.call(c, "2206", map[string]any{"data": data}))
	data["invono"] = "INV" + otp
	out := w.call(c, "2207", map[string]any{"data": data})
	got := checkSettlement(t, out)
	for k, v := range pre {
		if got[k] != v {
			t.Errorf("2206 %s = %s but 2207 %s", k, v, got[k])
		}
	}
	return got, str(obj(t, out, "setlinfo")["setl_id"]), visit
}

func TestOutpatientFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		c := w.clients["township"]
		sign := w.call(c, "9001", map[string]any{"signIn": map[string]any{"opter_no": "001", "mac": "00-16-EA-AE-3C-40", "ip": "10.0.0.8"}})
		c.SignNo = str(obj(t, sign, "signinoutb")["sign_no"])
		p := w.person(1, 0)
		info := w.call(c, "1101", map[string]any{"data": map[string]any{"mdtrt_cert_type": "02", "mdtrt_cert_no": p.Certno,
			"card_sn": "", "psn_cert_type": "01", "certno": p.Certno, "psn_name": p.PsnName, "begntime": today()}})
		if psn := str(obj(t, info, "baseinfo")["psn_no"]); psn != p.PsnNo || len(info["insuinfo"].([]any)) != 1 {
			t.Fatalf("1101: %s", pretty(info))
		}
		first, _, _ := w.outpatientVisit(t, p.PsnNo, "MZ001")
		want := map[string]string{"medfee_sumamt": "98.00", "fulamt_ownpay_amt": "50.00", "preselfpay_amt": "3.20",
			"inscp_scp_amt": "44.80", "hifp_pay": "44.80", "fund_pay_sumamt": "44.80", "psn_part_amt": "53.20", "psn_cash_pay": "53.20"}
		for k, v := range want {
			if first[k].String() != v {
				t.Errorf("first visit %s = %s, want %s", k, first[k], v)
			}
		}
		// Year to date: the 60-yuan outpatient quota has 15.20 left.
		second, setl, visit := w.outpatientVisit(t, p.PsnNo, "MZ002")
		if second["hifp_pay"].String() != "15.20" || second["psn_cash_pay"].String() != "82.80" {
			t.Errorf("second visit: basic %s cash %s, want 15.20 / 82.80", second["hifp_pay"], second["psn_cash_pay"])
		}
		rev := w.call(c, "2208", map[string]any{"data": map[string]any{"setl_id": setl, "mdtrt_id": visit, "psn_no": p.PsnNo}})
		checkNegated(t, second, checkSettlement(t, rev))
		w.checkYTD(t, p.PsnNo, "44.80")
	})
}

// checkYTD compares the person's stored basic-fund total with want.
func (w *world) checkYTD(t *testing.T, psnNo, want string) {
	t.Helper()
	var basic int64
	err := w.d.QueryRowContext(context.Background(), `SELECT basic FROM ytd_persons WHERE person_id = ? AND ytd_year = ?`,
		psnNo, w.sb.Year).Scan(&basic)
	if err != nil {
		t.Fatal(err)
	}
	if money.Fen(basic).String() != want {
		t.Errorf("YTD basic = %s, want %s", money.Fen(basic), want)
	}
}

func TestInpatientFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) { newWorld(t, d).inpatient(t) })
}

// inpatient runs 2401 → 2301 → 2402 → 2303 → 2304 → 2305 (and 5203) at the
// county hospital and checks the amounts.
func (w *world) inpatient(t *testing.T) {
	c := w.clients["county"]
	p := w.person(1, 1)
	adm := w.call(c, "2401", map[string]any{"mdtrtinfo": map[string]any{"psn_no": p.PsnNo, "insutype": "390",
		"begntime": today() + " 08:00:00", "mdtrt_cert_type": "02", "mdtrt_cert_no": p.Certno, "med_type": "21", "ipt_no": "ZY001",
		"adm_diag_dscr": "肺炎", "adm_dept_codg": "A03", "adm_dept_name": "内科", "adm_bed": "12", "dscg_maindiag_code": "J18.9"},
		"diseinfo": []any{map[string]any{"diag_type": "1", "maindiag_flag": "1", "diag_srt_no": "1", "diag_code": "J18.9", "diag_name": "肺炎"}}})
	visit := str(obj(t, adm, "result")["mdtrt_id"])
	refund := line("6", visit, "S250101001", "-1", "20", "-20.00")
	refund["init_feedetl_sn"] = "5"
	w.call(c, "2301", map[string]any{"feedetail": []any{line("1", visit, "F110200001", "5", "30", "150.00"),
		line("2", visit, "XJ01DDA080A001010101445", "20", "3.20", "64.00"), line("3", visit, "S210300001", "1", "200", "200.00"),
		line("4", visit, "ZC99ZZZ0001010100001", "2", "50", "100.00"), line("5", visit, "S250101001", "2", "20", "40.00")}})
	w.call(c, "2301", map[string]any{"feedetail": []any{refund}})
	w.call(c, "2402", map[string]any{"dscginfo": map[string]any{"mdtrt_id": visit, "psn_no": p.PsnNo, "insutype": "390",
		"endtime": today() + " 10:00:00", "dise_codg": "J18.9", "dise_name": "肺炎", "dscg_way": "1", "dscg_dept_codg": "A03"}})
	data := map[string]any{"psn_no": p.PsnNo, "mdtrt_cert_type": "02", "mdtrt_cert_no": p.Certno, "medfee_sumamt": "534.00",
		"psn_setlway": "01", "mdtrt_id": visit, "acct_used_flag": "0", "insutype": "390", "mid_setl_flag": "0"}
	pre := checkSettlement(t, w.call(c, "2303", map[string]any{"data": data}))
	data["invono"] = "INV-ZY001"
	out := w.call(c, "2304", map[string]any{"data": data})
	got := checkSettlement(t, out)
	want := map[string]string{"medfee_sumamt": "534.00", "fulamt_ownpay_amt": "100.00", "overlmt_selfpay": "20.00",
		"preselfpay_amt": "24.40", "inscp_scp_amt": "389.60", "act_pay_dedc": "300.00", "hifp_pay": "53.76",
		"fund_pay_sumamt": "53.76", "psn_part_amt": "480.24"}
	for k, v := range want {
		if got[k].String() != v || pre[k] != got[k] {
			t.Errorf("%s = %s (pre-settled %s), want %s", k, got[k], pre[k], v)
		}
	}
	w.checkYTD(t, p.PsnNo, "53.76")
	setl := str(obj(t, out, "setlinfo")["setl_id"])
	rev := w.call(c, "2305", map[string]any{"data": map[string]any{"mdtrt_id": visit, "setl_id": setl, "psn_no": p.PsnNo}})
	checkNegated(t, got, checkSettlement(t, rev))
	w.checkYTD(t, p.PsnNo, "0.00")
	q := w.call(c, "5203", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "setl_id": setl, "mdtrt_id": visit}})
	checkSettlement(t, q)
}
