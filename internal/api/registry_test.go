package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
)

func TestRegistryAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnrollAPI(t, d) // county with townships A (village 红星村) and B, tokens per clerk
		head := idcard.Generate("520222", civil.MustParse("1970-03-01"), 11, true)
		wife := idcard.Generate("520222", civil.MustParse("1972-05-09"), 12, false)
		body := map[string]any{"area_id": e.villA.ID, "address": "红星村1号", "members": []map[string]any{
			{"name": "张大山", "relation": "户主", "id_number": head, "categories": []string{"低保"}},
			{"name": "李秀英", "relation": "配偶", "id_number": wife, "sex": "1"},
		}}
		out := e.want(http.StatusUnprocessableEntity, e.clerkA, "POST", "/households", body)
		if !strings.Contains(fmt.Sprint(out["error"]), "members[2].sex") {
			t.Errorf("sex mismatch error should name members[2].sex: %v", out)
		}
		body["members"].([]map[string]any)[1]["sex"] = ""
		h := e.want(http.StatusCreated, e.clerkA, "POST", "/households", body)
		hid := int64(h["id"].(float64))
		if h["head_name"] != "张大山" || len(h["members"].([]any)) != 2 {
			t.Fatalf("household = %v", h)
		}
		e.want(http.StatusConflict, e.clerkA, "POST", "/households", body) // the same IDs again
		path := fmt.Sprintf("/households/%d", hid)
		e.want(http.StatusOK, e.clerkA, "GET", path, nil)
		e.want(http.StatusNotFound, e.cB, "GET", path, nil)

		// Search: ID numbers by POST only; the other township finds nothing.
		e.want(http.StatusUnprocessableEntity, e.clerkA, "GET", "/persons?q="+head, nil)
		res := e.want(http.StatusOK, e.clerkA, "POST", "/persons/search", map[string]any{"q": head})
		items := res["items"].([]any)
		if res["total"].(float64) != 1 || items[0].(map[string]any)["id_number"] != nil || items[0].(map[string]any)["id_number_masked"] != idcard.Mask(head) {
			t.Fatalf("search = %v", res)
		}
		if res := e.want(http.StatusOK, e.cB, "POST", "/persons/search", map[string]any{"q": head}); res["total"].(float64) != 0 {
			t.Fatalf("clerk B found %v", res)
		}
		if res := e.want(http.StatusOK, e.clerkA, "GET", "/persons?q=%E5%BC%A0", nil); res["total"].(float64) != 1 {
			t.Fatalf("name search = %v", res)
		}
		pid := int64(items[0].(map[string]any)["id"].(float64))
		p := e.want(http.StatusOK, e.clerkA, "GET", fmt.Sprintf("/persons/%d", pid), nil)
		if p["id_number"] != head || len(p["events"].([]any)) != 1 {
			t.Fatalf("person = %v", p)
		}
		// The head dies; the wife becomes head.
		wifeID := int64(h["members"].([]any)[1].(map[string]any)["id"].(float64))
		p = e.want(http.StatusOK, e.clerkA, "POST", fmt.Sprintf("/persons/%d/events", pid),
			map[string]any{"kind": "deceased", "date": "2024-06-01", "new_head_id": wifeID})
		if p["status"].(map[string]any)["code"] != "deceased" {
			t.Fatalf("after death: %v", p)
		}
		if h := e.want(http.StatusOK, e.clerkA, "GET", path, nil); int64(h["head_person_id"].(float64)) != wifeID {
			t.Fatalf("head after death = %v", h["head_person_id"])
		}
		e.want(http.StatusNotFound, e.cB, "POST", fmt.Sprintf("/persons/%d/events", wifeID), map[string]any{"kind": "moved_out", "date": "2024-06-01"})

		// Other schemes: the administrator imports, the report finds the wife.
		e.want(http.StatusForbidden, e.clerkA, "POST", "/other-schemes", map[string]any{})
		b := e.want(http.StatusCreated, e.admin, "POST", "/other-schemes", map[string]any{"scheme": "城镇居民", "source": "api",
			"entries": []map[string]any{{"id_number": wife, "name": "李秀云"}, {"id_number": head, "name": "张大山"}}})
		rep := e.want(http.StatusOK, e.clerkA, "GET", fmt.Sprintf("/other-schemes/double-enrollments?batch=%v", b["id"]), nil)
		if rep["total"].(float64) != 1 || rep["mismatches"].(float64) != 1 {
			t.Fatalf("report = %v (the deceased head is not double-enrolled; the wife's name differs)", rep)
		}
	})
}
