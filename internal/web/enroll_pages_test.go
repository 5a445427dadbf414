package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

func wantPage(t *testing.T, r resp, status int, contains ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %.600s", r.Status, status, r.Body)
	}
	for _, s := range contains {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("page lacks %q: %.2000s", s, r.Body)
		}
	}
}

// The desk end to end: the administrator sets the year up, a township clerk
// finds a household, sees who pays what, takes the payment, prints the
// receipt and cancels it; the other township's clerk cannot see it.
func TestEnrollPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		reg := registry.New(d, registry.Options{})
		townA := must(reg.CreateArea(a.sys(), registry.AreaInput{ParentID: a.county, Name: "红果镇"}))(t)
		townB := must(reg.CreateArea(a.sys(), registry.AreaInput{ParentID: a.county, Name: "柏果镇"}))(t)
		vill := must(reg.CreateArea(a.sys(), registry.AreaInput{ParentID: townA.ID, Name: "红星村"}))(t)
		idA := idcard.Generate("520222", civil.MustParse("1970-01-01"), 21, true)
		h := must(reg.RegisterHousehold(a.sys(), registry.HouseholdInput{AreaID: vill.ID, Members: []registry.PersonInput{
			{IDNumber: idA, Name: "张三", Relation: "户主"},
			{IDNumber: idcard.Generate("520222", civil.MustParse("1972-01-01"), 22, false), Name: "李四", Relation: "配偶", Categories: registry.Categories{registry.Dibao}}}}))(t)
		a.addUser(t, "clerk.a", access.Enrollment, townA.ID)
		a.addUser(t, "clerk.b", access.Enrollment, townB.ID)

		admin := a.client(t).login("admin", testAdminPW)
		today := civil.Of(time.Now().In(china))
		year := strconv.Itoa(today.Year + 1)
		start := today.AddDays(40)
		r := admin.post("/enroll/years", url.Values{"year": {year}, "period_from": {start.String()}, "waiting_days": {"90"},
			"window_from": {today.AddDays(-30).String()}, "window_to": {today.AddDays(30).String()}})
		wantPage(t, r, http.StatusSeeOther)
		wantPage(t, admin.post("/enroll/years/"+year+"/status", url.Values{"status": {"open"}}), http.StatusConflict, "请先设置缴费标准")
		wantPage(t, admin.post("/enroll/years/"+year+"/preset", url.Values{"preset": {"pan"}}), http.StatusSeeOther)
		wantPage(t, admin.post("/enroll/years/"+year+"/status", url.Values{"status": {"open"}}), http.StatusSeeOther)
		wantPage(t, admin.get("/enroll/years/"+year), http.StatusOK, "开放参合", `value="200.00"`)
		wantPage(t, admin.get("/enroll/years"), http.StatusOK, "第1档 230.00元")

		clerk := a.client(t).login("clerk.a", "user-pass-1")
		wantPage(t, clerk.get("/enroll"), http.StatusOK, "参合缴费")
		r = clerk.post("/enroll/search", url.Values{"year": {year}, "q": {idA}})
		wantPage(t, r, http.StatusSeeOther)
		if strings.Contains(r.Location, idA) {
			t.Fatal("ID number in a URL")
		}
		wantPage(t, clerk.get(r.Location), http.StatusOK, "张三", "460.00", `id="quote-person-pays">30.00`)
		r = clerk.post("/enroll", url.Values{"year": {year}, "household_id": {strconv.FormatInt(h.ID, 10)}, "tier": {"1"}, "method": {"cash"}})
		wantPage(t, r, http.StatusSeeOther)
		receipt := r.Location
		wantPage(t, clerk.get(receipt), http.StatusOK, year+"-000001", `id="receipt-paid">30.00`, "民政代缴", "5202**********")
		if strings.Contains(clerk.get(receipt).Body, idA) {
			t.Fatal("full ID number on the receipt")
		}
		wantPage(t, clerk.get("/enroll/receipts?no="+year+"-000001"), http.StatusSeeOther)

		other := a.client(t).login("clerk.b", "user-pass-1")
		wantPage(t, other.get(receipt), http.StatusNotFound)
		wantPage(t, other.get("/enroll?year="+year+"&household="+strconv.FormatInt(h.ID, 10)), http.StatusNotFound)
		wantPage(t, other.get("/enroll/years/"+year), http.StatusOK)
		wantPage(t, other.post("/enroll/years/"+year+"/status", url.Values{"status": {"closed"}}), http.StatusForbidden)

		wantPage(t, admin.get("/enroll/receivables?year="+year), http.StatusOK, "460.00", `id="enrollees">2`, "6.52%")
		x := admin.get("/enroll/receivables?year=" + year + "&format=xlsx")
		if x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheet") {
			t.Fatalf("xlsx export: %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		wantPage(t, admin.post("/enroll/arrivals", url.Values{"year": {year}, "source": {"government"}, "amount": {"12.345"}, "arrived_on": {today.String()}}),
			http.StatusUnprocessableEntity, "金额格式错误")
		wantPage(t, admin.post("/enroll/arrivals", url.Values{"year": {year}, "source": {"government"}, "amount": {"400"}, "arrived_on": {today.String()}}), http.StatusSeeOther)
		wantPage(t, admin.get("/enroll/receivables?year="+year), http.StatusOK, "93.48%")

		wantPage(t, clerk.post("/enroll/coverage", url.Values{"id_number": {idA}, "date": {start.String()}}), http.StatusOK, "已参合（第1档）")
		wantPage(t, clerk.post(receipt+"/cancel", url.Values{"reason": {""}}), http.StatusUnprocessableEntity, "请填写撤销原因")
		wantPage(t, clerk.post(receipt+"/cancel", url.Values{"reason": {"录入错误"}}), http.StatusSeeOther)
		wantPage(t, clerk.get(receipt), http.StatusOK, "已冲销", "录入错误")
		wantPage(t, clerk.post("/enroll/coverage", url.Values{"id_number": {idA}, "date": {start.String()}}), http.StatusOK, "参合已撤销")
	})
}

// must returns a function that fails t on err and otherwise returns v.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
