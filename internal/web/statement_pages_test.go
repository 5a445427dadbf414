package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/statement"
)

// settleOutpatient settles, at the township desk, the sandbox outpatient
// visit worked by hand in TestDeskPages: cost 98.00, fund 44.80 (basic, from
// the 60-yuan quota), of which 50.00 is class C (fully self-paid).
func settleOutpatient(t *testing.T, desk *client, sb *his.SandboxFile) {
	t.Helper()
	p := sb.Persons[0]
	r := desk.post("/desk/visits", url.Values{"person_id": {p.PsnNo}, "med_type": {"11"}, "date": {deskToday().String()}, "diagnoses": {"J06.9"}})
	wantPage(t, r, http.StatusSeeOther)
	visit := r.Location
	for i, l := range [][2]string{{"S110200001", "1"}, {"XJ01CAA040A001010101445", "24"}, {"XJ01DDA080A001010101445", "10"}, {"ZC99ZZZ0001010100001", "1"}} {
		wantPage(t, desk.post(visit+"/lines", url.Values{"code": {l[0]}, "qty": {l[1]}, "next_sn": {strconv.Itoa(i + 1)}}), http.StatusSeeOther)
	}
	wantPage(t, desk.post(visit+"/settle", url.Values{"medfee": {"98.00"}}), http.StatusSeeOther)
}

// stmtIDs returns the ids of the statements linked from a page, in order.
func stmtIDs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr data-id="(\d+)"[^>]*><td>([^<]*)</td>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+" "+m[2])
	}
	return out
}

// stmtOf returns the id of the month's statement of the institution whose
// name contains name, from the list page.
func stmtOf(t *testing.T, c *client, period, name string) string {
	t.Helper()
	for _, row := range stmtIDs(c.get("/statements?period=" + period).Body) {
		if strings.Contains(row, name) {
			return strings.Fields(row)[0]
		}
	}
	t.Fatalf("no statement of %s for %s", name, period)
	return ""
}

// TestStatementPages works a month through the console: agreement terms,
// deductions (entered, refused, cancelled), preparing every institution,
// the maker-checker refusals shown on the page, the director's approval and
// the history; the year-end preview; and who is refused which page.
//
// Figures by hand, township hospital (沙盒镇中心卫生院): one outpatient
// settlement, cost 98.00, fund 44.80, class C 50.00. Terms: limit 16% over
// every settlement, budget 40.00. Withheld = 50.00 − 16% × 98.00 (15.68) =
// 34.32. Deduction 5.00 (a second one of 1.00 is cancelled). Payable =
// 44.80 − 5.00 − 34.32 = 5.48; budget left 40.00 − 5.48 = 34.52.
func TestStatementPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, sb := newSandboxApp(t, d)
		ctx := context.Background()
		town := a.addDeskClerk(t, "desk.town", "township")
		var township int64
		if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE name = '沙盒镇'`).Scan(&township); err != nil {
			t.Fatal(err)
		}
		a.addUser(t, "clerk", access.Enrollment, township)
		for name, role := range map[string]access.Role{"fin1": access.Finance, "fin2": access.Finance, "dir1": access.Director,
			"dir2": access.Director, "insp": access.Inspector, "aud": access.Auditor} {
			a.addUser(t, name, role, a.county)
		}
		desk := a.client(t).login("desk.town", "user-pass-1")
		settleOutpatient(t, desk, sb)
		period := statement.PeriodOf(deskToday()).String()
		year := strconv.Itoa(deskToday().Year)
		townID := strconv.FormatInt(town, 10)

		// Who is refused what.
		clerk := a.client(t).login("clerk", "user-pass-1")
		for _, p := range []string{"/statements", "/statements/deductions", "/statements/terms", "/statements/batches", "/statements/trueups"} {
			wantPage(t, clerk.get(p), http.StatusForbidden)
		}
		wantPage(t, clerk.post("/statements", url.Values{"institution_id": {"all"}, "period": {period}}), http.StatusForbidden)
		for _, p := range []string{"/statements/terms", "/statements/batches", "/statements/trueups"} {
			wantPage(t, desk.get(p), http.StatusForbidden)
		}
		wantPage(t, desk.post("/statements/deductions", url.Values{"institution_id": {townID}, "amount": {"1.00"}, "reason": {"x"}}), http.StatusForbidden)
		wantPage(t, desk.post("/statements", url.Values{"institution_id": {townID}, "period": {period}}), http.StatusForbidden)

		// Agreement terms.
		fin1 := a.client(t).login("fin1", "user-pass-1")
		wantPage(t, fin1.get("/statements/terms?year="+year+"&institution_id="+townID), http.StatusOK, `id="terms-form"`, `value="16"`)
		wantPage(t, fin1.post("/statements/terms", url.Values{"institution_id": {townID}, "year": {year}, "selfpay_limit": {"abc"},
			"selfpay_scope": {"all"}, "budget": {"40.00"}}), http.StatusUnprocessableEntity, "上限应为百分数")
		wantPage(t, fin1.post("/statements/terms", url.Values{"institution_id": {townID}, "year": {year}, "selfpay_limit": {"100"},
			"selfpay_scope": {"all"}, "budget": {"40.00"}}), http.StatusUnprocessableEntity, "自费比例上限应在 0 到 100% 之间")
		wantPage(t, fin1.post("/statements/terms", url.Values{"institution_id": {townID}, "year": {year}, "selfpay_limit": {"16"},
			"selfpay_scope": {"all"}, "budget": {"40.00"}}), http.StatusSeeOther)
		wantPage(t, fin1.get("/statements/terms?year="+year), http.StatusOK, "16%", "全部结算", "40.00", "fin1")

		// Deductions.
		insp := a.client(t).login("insp", "user-pass-1")
		wantPage(t, insp.post("/statements/deductions", url.Values{"institution_id": {townID}, "found_on": {deskToday().String()}}),
			http.StatusUnprocessableEntity, "金额格式应为 123.45")
		wantPage(t, insp.post("/statements/deductions", url.Values{"institution_id": {townID}, "amount": {"5.00"}, "found_on": {deskToday().String()}}),
			http.StatusUnprocessableEntity, "请填写扣款原因")
		wantPage(t, insp.post("/statements/deductions", url.Values{"institution_id": {townID}, "amount": {"5.00"}, "reason": {"串换药品"},
			"source_type": {"inspection_case"}, "source_ref": {"JC-1"}, "found_on": {deskToday().String()}}), http.StatusSeeOther)
		wantPage(t, insp.post("/statements/deductions", url.Values{"institution_id": {townID}, "amount": {"1.00"}, "reason": {"重复登记"},
			"found_on": {deskToday().String()}}), http.StatusSeeOther)
		var wrong string
		if err := d.QueryRowContext(ctx, `SELECT id FROM deductions WHERE amount = 100`).Scan(&wrong); err != nil {
			t.Fatal(err)
		}
		wantPage(t, insp.post("/statements/deductions/"+wrong+"/cancel", nil), http.StatusUnprocessableEntity, `id="cancel-error"`, "请填写撤销原因")
		wantPage(t, insp.post("/statements/deductions/"+wrong+"/cancel", url.Values{"reason": {"误录"}}), http.StatusSeeOther)
		wantPage(t, insp.post("/statements/deductions/"+wrong+"/cancel", url.Values{"reason": {"误录"}}), http.StatusConflict, "该扣款已撤销")
		list := insp.get("/statements/deductions?status=open")
		wantPage(t, list, http.StatusOK, "串换药品", "稽核案件 JC-1", "5.00")
		if strings.Contains(list.Body, "重复登记") {
			t.Fatal("a cancelled deduction listed as open")
		}
		wantPage(t, insp.get("/statements/deductions?status=cancelled"), http.StatusOK, "重复登记", "已撤销", "误录")
		// The institution sees its own deductions, without the forms.
		own := desk.get("/statements/deductions")
		wantPage(t, own, http.StatusOK, "串换药品")
		if strings.Contains(own.Body, `id="deduction-form"`) || strings.Contains(own.Body, "cancel-deduction") {
			t.Fatal("the institution is offered the deduction forms")
		}

		// Prepare every institution for the month.
		wantPage(t, fin1.post("/statements", url.Values{"institution_id": {""}, "period": {period}}), http.StatusUnprocessableEntity, "请选择医疗机构")
		wantPage(t, fin1.post("/statements", url.Values{"institution_id": {"all"}, "period": {"2013-13"}}), http.StatusUnprocessableEntity, "月份应为 YYYY-MM")
		res := fin1.post("/statements", url.Values{"institution_id": {"all"}, "period": {period}})
		wantPage(t, res, http.StatusOK, `id="prepare-results"`, "沙盒镇中心卫生院", "沙盒县人民医院")
		if n := a.rows(t, "statements"); n != 3 {
			t.Fatalf("%d statements prepared for 3 institutions", n)
		}
		sid := stmtOf(t, fin1, period, "沙盒镇中心卫生院")
		page := "/statements/" + sid
		wantPage(t, fin1.get(page), http.StatusOK, `id="statement-advanced">44.80`, `id="statement-deducted">−5.00`,
			`id="statement-withheld">−34.32`, `<strong>5.48</strong>`, "40.00 / 0.00 / 34.52", "51.02% / 上限 16%", "待复核")

		// Maker-checker through the pages.
		body := fin1.get(page).Body
		if strings.Contains(body, `id="step-check"`) || strings.Contains(body, `id="step-approve"`) || !strings.Contains(body, `id="statement-why"`) {
			t.Fatal("the preparer is offered a review step")
		}
		wantPage(t, fin1.post(page+"/step", url.Values{"step": {"check"}}), http.StatusForbidden, "编制人不能复核或审批自己编制的结算单")
		fin2 := a.client(t).login("fin2", "user-pass-1")
		body = fin2.get(page).Body
		if !strings.Contains(body, `id="step-check"`) || !strings.Contains(body, `id="step-reject"`) || strings.Contains(body, `id="step-approve"`) {
			t.Fatalf("the checker's buttons: %s", body)
		}
		wantPage(t, fin2.post(page+"/step", url.Values{"step": {"reject"}}), http.StatusUnprocessableEntity, "请填写退回原因", `class="field has-error"`)
		wantPage(t, fin2.post(page+"/step", url.Values{"step": {"reject"}, "reason": {"扣款依据不全"}}), http.StatusSeeOther)
		wantPage(t, fin2.get(page), http.StatusOK, `id="statement-reject-reason">扣款依据不全`, "待复核")
		wantPage(t, fin1.post(page+"/step", url.Values{"step": {"refresh"}}), http.StatusSeeOther)
		wantPage(t, fin2.post(page+"/step", url.Values{"step": {"check"}, "reason": {"核对无误"}}), http.StatusSeeOther)
		wantPage(t, fin2.post(page+"/step", url.Values{"step": {"approve"}}), http.StatusForbidden, "无权审批结算单")
		dir1 := a.client(t).login("dir1", "user-pass-1")
		if !strings.Contains(dir1.get(page).Body, `id="step-approve"`) {
			t.Fatal("the director is not offered the approval")
		}
		aud := a.client(t).login("aud", "user-pass-1")
		if strings.Contains(aud.get(page).Body, `id="statement-review"`) {
			t.Fatal("the auditor is offered the review form")
		}
		wantPage(t, aud.post(page+"/step", url.Values{"step": {"approve"}}), http.StatusForbidden)
		wantPage(t, dir1.post(page+"/step", url.Values{"step": {"approve"}, "reason": {"同意拨付"}}), http.StatusSeeOther)
		done := dir1.get(page)
		wantPage(t, done, http.StatusOK, "已审批", "<td>编制</td><td>fin1 (finance)", "<td>退回</td><td>fin2 (finance)",
			"扣款依据不全", "<td>重新编制</td><td>fin1", "<td>复核</td><td>fin2", "核对无误", "<td>审批</td><td>dir1 (director)", "同意拨付")
		if strings.Contains(done.Body, `id="statement-review"`) {
			t.Fatal("review offered on an approved statement")
		}
		wantPage(t, fin2.post(page+"/step", url.Values{"step": {"reject"}, "reason": {"x"}}), http.StatusConflict, "已审批")
		// The institution reads its own statement, with no review.
		wantPage(t, desk.get(page), http.StatusOK, "5.48")
		other := stmtOf(t, fin1, period, "沙盒县人民医院")
		wantPage(t, desk.get("/statements/"+other), http.StatusNotFound)

		// The approved statement is payable in a batch; the auditor sees
		// batches but no form.
		wantPage(t, fin1.get("/statements/batches"), http.StatusOK, `value="statement:`+sid+`"`, "5.48", "**************8901")
		if strings.Contains(aud.get("/statements/batches").Body, `id="batch-form"`) {
			t.Fatal("the auditor is offered the batch form")
		}

		// Year end: a preview while the year runs, refused to perform.
		tu := fin1.get("/statements/trueups?year=" + year)
		wantPage(t, tu, http.StatusOK, "98.00", "50.00", "34.32", "年度未结束")
		wantPage(t, fin1.post("/statements/trueups", url.Values{"institution_id": {townID}, "year": {year}}),
			http.StatusUnprocessableEntity, "年度尚未结束")
		wantPage(t, insp.post("/statements/trueups", url.Values{"institution_id": {townID}, "year": {year}}), http.StatusForbidden)
	})
}

// TestStatementListSort: a month's statements sort by a displayed column
// both ways (page, aria-sort, Excel in the same order); an unknown or
// unsortable column is ignored (the service's order, by institution code).
func TestStatementListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, sb := newSandboxApp(t, d)
		ctx := context.Background()
		a.addDeskClerk(t, "desk.town", "township")
		a.addUser(t, "fin1", access.Finance, a.county)
		settleOutpatient(t, a.client(t).login("desk.town", "user-pass-1"), sb)
		period := statement.PeriodOf(deskToday()).String()
		fin1 := a.client(t).login("fin1", "user-pass-1")
		wantPage(t, fin1.post("/statements", url.Values{"institution_id": {"all"}, "period": {period}}), http.StatusOK, `id="prepare-results"`)
		// The service's order (by code), and which statement has the settlement.
		var byCode []string
		var town string
		rows, err := d.QueryContext(ctx, `SELECT st.id, i.level FROM statements st JOIN institutions i ON i.id = st.institution_id ORDER BY i.code`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, level string
			if err := rows.Scan(&id, &level); err != nil {
				t.Fatal(err)
			}
			byCode = append(byCode, id)
			if level == "township" {
				town = id
			}
		}
		rows.Close()
		if len(byCode) != 3 || town == "" {
			t.Fatalf("statements %v, township %q", byCode, town)
		}
		others := slices.DeleteFunc(slices.Clone(byCode), func(id string) bool { return id == town })
		ids := func(body string) []string {
			var out []string
			for _, row := range stmtIDs(body) {
				out = append(out, strings.Fields(row)[0])
			}
			return out
		}
		join := func(x ...[]string) []string { return slices.Concat(x...) }
		base := "/statements?period=" + period
		checkSorts(t, fin1, base, ids, []sortCase[string]{
			{"", join(byCode), ""},
			{"&sort=institution", join(byCode), `aria-sort="ascending"><a class="sort sort-ascending" href="/statements?dir=desc&amp;period=` + period + `&amp;sort=institution"`},
			{"&sort=institution&dir=desc", join([]string{byCode[2], byCode[1], byCode[0]}), `aria-sort="descending"><a class="sort sort-descending" href="/statements?period=` + period + `&amp;sort=institution"`},
			{"&sort=advanced", join(others, []string{town}), `aria-sort="ascending"`},
			{"&sort=advanced&dir=desc", join([]string{town}, others), `aria-sort="descending"`},
			{"&sort=settlements&dir=desc", join([]string{town}, others), `aria-sort="descending"`},
			{"&sort=people&dir=desc", join(byCode), ""}, // shown, not sortable
			{"&sort=payable%3B+DROP+TABLE+statements&dir=desc", join(byCode), ""},
		})
		if n := a.rows(t, "statements"); n != 3 {
			t.Fatalf("%d statements", n)
		}
		r := fin1.get(base + "&sort=advanced&dir=desc&format=xlsx")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		xr, _ := x.GetRows(x.GetSheetList()[0])
		if len(xr) != 4 || xr[0][0] != "机构编码" || xr[1][4] != "44.80" || xr[2][4] != "0.00" || xr[1][1] != "沙盒镇中心卫生院" {
			t.Fatalf("export rows = %v", xr)
		}
	})
}
