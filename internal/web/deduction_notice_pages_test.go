package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
)

// lastID is the number at the end of a redirect target.
func lastID(t *testing.T, location string) string {
	t.Helper()
	m := regexp.MustCompile(`/(\d+)$`).FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("no id in %q", location)
	}
	return m[1]
}

// A deduction notice through the console: an inspector issues it (field
// errors shown by the fields), the institution it concerns responds (another
// institution's user gets 404), the director confirms a lower amount with a
// note; refunds to overcharged patients are listed masked and marked
// refunded; each form is offered only to who may use it.
func TestDeductionNoticePages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, sb := newSandboxApp(t, d)
		town := a.addDeskClerk(t, "desk.town", "township")
		a.addDeskClerk(t, "desk.county", "county")
		for name, role := range map[string]access.Role{"insp": access.Inspector, "dir1": access.Director, "fin1": access.Finance,
			"aud": access.Auditor} {
			a.addUser(t, name, role, a.county)
		}
		townID := strconv.FormatInt(town, 10)
		insp := a.client(t).login("insp", "user-pass-1")
		desk := a.client(t).login("desk.town", "user-pass-1")
		other := a.client(t).login("desk.county", "user-pass-1")
		dir := a.client(t).login("dir1", "user-pass-1")
		aud := a.client(t).login("aud", "user-pass-1")

		// Issue: prefilled from a case, refused field by field, then issued.
		wantPage(t, insp.get("/statements/deductions"), http.StatusOK, `id="new-deduction-notice"`)
		wantPage(t, insp.get("/statements/deductions/notices/new?source_type=inspection_case&source_ref=7&institution_id="+townID),
			http.StatusOK, `id="deduction-notice-form"`, `name="source_ref" type="text" value="7"`)
		wantPage(t, desk.get("/statements/deductions/notices/new"), http.StatusForbidden)
		wantPage(t, aud.post("/statements/deductions/notices", url.Values{"institution_id": {townID}, "amount": {"1.00"}, "reason": {"x"}}),
			http.StatusForbidden)
		wantPage(t, insp.post("/statements/deductions/notices", url.Values{"institution_id": {townID}, "amount": {"abc"}, "reason": {"挂床"}}),
			http.StatusUnprocessableEntity, "金额格式应为 123.45")
		wantPage(t, insp.post("/statements/deductions/notices", url.Values{"institution_id": {townID}, "amount": {"300.00"}}),
			http.StatusUnprocessableEntity, "请填写扣款原因")
		wantPage(t, insp.post("/statements/deductions/notices", url.Values{"institution_id": {townID}, "amount": {"300.00"},
			"reason": {"挂床"}, "respond_by": {"2001-01-01"}}), http.StatusUnprocessableEntity, "答复期限不能早于今天")
		r := insp.post("/statements/deductions/notices", url.Values{"institution_id": {townID}, "amount": {"300.00"},
			"reason": {"挂床住院 3 人次"}, "text": {"经核查,贵院存在挂床住院,拟扣款300元。"}, "source_type": {"inspection_case"}, "source_ref": {"7"}})
		wantPage(t, r, http.StatusSeeOther)
		page := r.Location
		if !strings.HasPrefix(page, "/statements/deductions/") {
			t.Fatalf("issued: %s", page)
		}
		wantPage(t, insp.get("/statements/deductions"), http.StatusOK, `href="`+page+`"`, "已通知待答复")

		// The institution responds; another institution sees nothing.
		wantPage(t, other.get(page), http.StatusNotFound)
		wantPage(t, other.post(page+"/respond", url.Values{"response": {"不是我们"}}), http.StatusNotFound)
		wantPage(t, insp.post(page+"/respond", url.Values{"response": {"x"}}), http.StatusForbidden)
		own := desk.get(page)
		wantPage(t, own, http.StatusOK, "经核查,贵院存在挂床住院", `id="deduction-respond"`)
		for _, form := range []string{`id="deduction-decide"`, `id="refund-form"`} {
			if strings.Contains(own.Body, form) {
				t.Errorf("the institution is offered %s", form)
			}
		}
		wantPage(t, dir.get(page), http.StatusOK, `id="deduction-awaiting"`)
		wantPage(t, desk.post(page+"/respond", url.Values{"response": {" "}}), http.StatusUnprocessableEntity, "请填写答复意见")
		wantPage(t, desk.post(page+"/respond", url.Values{"response": {"其中1人确有请假条,附后"}}), http.StatusSeeOther)
		wantPage(t, desk.get(page), http.StatusOK, "其中1人确有请假条", "已答复待决定")

		// Only the director decides; the amount may only go down, with a note.
		if strings.Contains(insp.get(page).Body, `id="deduction-decide"`) {
			t.Error("the inspector is offered the decision")
		}
		wantPage(t, insp.post(page+"/decide", url.Values{"decision": {"confirm"}}), http.StatusForbidden)
		wantPage(t, dir.get(page), http.StatusOK, `id="deduction-decide"`)
		wantPage(t, dir.post(page+"/decide", url.Values{"decision": {"confirm"}, "amount": {"400.00"}, "note": {"x"}}),
			http.StatusUnprocessableEntity, "确认金额应大于 0 且不超过通知金额")
		wantPage(t, dir.post(page+"/decide?lang=en", url.Values{"decision": {"confirm"}, "amount": {"200.00"}}),
			http.StatusUnprocessableEntity, "say why the amount changes")
		wantPage(t, dir.post(page+"/decide", url.Values{"decision": {"confirm"}, "amount": {"200.00"}, "note": {"1人有请假条,核减100元"}}),
			http.StatusSeeOther)
		wantPage(t, desk.get(page), http.StatusOK, "200.00", "300.00", "1人有请假条,核减100元", "待扣")
		wantPage(t, desk.post(page+"/respond", url.Values{"response": {"再议"}}), http.StatusConflict, "该扣款已处理")

		// Refunds to the overcharged patients.
		p := sb.Persons[0]
		wantPage(t, insp.post(page+"/refunds", url.Values{"id_number": {"110101199001011237"}, "refund_amount": {"20.00"}}),
			http.StatusUnprocessableEntity, "未找到该身份证号的参合人员")
		wantPage(t, insp.post(page+"/refunds", url.Values{"id_number": {p.Certno}, "refund_amount": {"-1"}}),
			http.StatusUnprocessableEntity, "退还金额应大于 0")
		wantPage(t, insp.post(page+"/refunds", url.Values{"id_number": {p.Certno}, "refund_amount": {"40.00"}, "refund_note": {"多收B超费"}}),
			http.StatusSeeOther)
		wantPage(t, desk.post(page+"/refunds", url.Values{"id_number": {p.Certno}, "refund_amount": {"1.00"}}), http.StatusForbidden)
		pg := insp.get(page)
		wantPage(t, pg, http.StatusOK, p.PsnName, idcard.Mask(p.Certno), "待退还", `id="refunds-due">40.00`)
		if strings.Contains(pg.Body, p.Certno) {
			t.Error("the refund list shows the full ID number")
		}
		rid := regexp.MustCompile(`/refunds/(\d+)/done`).FindStringSubmatch(pg.Body)
		if rid == nil {
			t.Fatal("no refunded form")
		}
		wantPage(t, insp.post(page+"/refunds/"+rid[1]+"/done", url.Values{"refunded_on": {"2999-01-01"}}),
			http.StatusUnprocessableEntity, "请填写退还日期")
		wantPage(t, insp.post(page+"/refunds/"+rid[1]+"/done", url.Values{"refunded_on": {deskToday().String()}}), http.StatusSeeOther)
		wantPage(t, desk.get(page), http.StatusOK, "已退还 "+deskToday().String(), `id="refunds-due">0.00`)
		wantPage(t, other.get("/statements/deductions"), http.StatusOK)
		if strings.Contains(other.get("/statements/deductions").Body, "挂床住院") {
			t.Error("another institution lists the deduction")
		}
	})
}

// A confirmed complaint that found overcharging: the director raises a
// deduction notice from its page; the complaint links to it and offers no
// second one; the inspector is not offered the form.
func TestComplaintDeductionPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, _ := newSandboxApp(t, d)
		town := a.addDeskClerk(t, "desk.town", "township")
		for name, role := range map[string]access.Role{"ivan": access.Inspector, "iris": access.Inspector, "dora": access.Director} {
			a.addUser(t, name, role, a.county)
		}
		iv := a.client(t).login("ivan", "user-pass-1")
		r := iv.post("/complaints", url.Values{"kind": {"complaint"}, "channel": {"visit"}, "complainant": {"钱七"},
			"subject": {"B超收了两次"}, "institution_id": {strconv.FormatInt(town, 10)}})
		wantPage(t, r, http.StatusSeeOther)
		cp := r.Location
		iv.post(cp+"/step", url.Values{"step": {"assign"}, "assignee": {"iris"}})
		a.client(t).login("iris", "user-pass-1").post(cp+"/step", url.Values{"step": {"answer"}, "answer": {"属实,多收120元"},
			"finding": {"partly"}})
		do := a.client(t).login("dora", "user-pass-1")
		wantPage(t, do.post(cp+"/step", url.Values{"step": {"confirm"}}), http.StatusSeeOther)
		if strings.Contains(iv.get(cp).Body, `id="complaint-deduction"`) {
			t.Error("the inspector is offered the deduction form")
		}
		wantPage(t, iv.post(cp+"/deduction", url.Values{"amount": {"120.00"}}), http.StatusForbidden)
		wantPage(t, do.get(cp), http.StatusOK, `id="complaint-deduction"`)
		wantPage(t, do.post(cp+"/deduction", url.Values{"amount": {"12x"}}), http.StatusUnprocessableEntity, "金额格式应为 123.45",
			`id="complaint-deduction"`)
		r = do.post(cp+"/deduction", url.Values{"amount": {"120.00"}, "text": {"多收B超费120元,拟扣款"}})
		wantPage(t, r, http.StatusSeeOther)
		ded := r.Location
		wantPage(t, do.get(ded), http.StatusOK, "多收B超费120元,拟扣款", "120.00", `href="`+cp+`"`, "已通知待答复")
		pg := do.get(cp)
		wantPage(t, pg, http.StatusOK, `id="complaint-deduction-link"`, `href="`+ded+`"`)
		if strings.Contains(pg.Body, `id="complaint-deduction"`) {
			t.Error("a second deduction offered")
		}
		wantPage(t, do.post(cp+"/deduction", url.Values{"amount": {"120.00"}}), http.StatusConflict, "已发出扣款通知 #"+lastID(t, ded))
		wantPage(t, a.client(t).login("desk.town", "user-pass-1").get(ded), http.StatusOK, `id="deduction-respond"`)
	})
}
