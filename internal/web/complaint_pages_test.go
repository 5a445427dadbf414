package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db/dbtest"
)

// A tip-off through the console: recorded and assigned by an inspector,
// answered by the assignee, confirmed by the director; the contact is
// shown masked; an enrollment clerk cannot open the pages.
func TestComplaintPages(t *testing.T) {
	d := dbtest.SQLite(t)
	app := newTestApp(t, d)
	app.addUser(t, "ivan", access.Inspector, app.county)
	app.addUser(t, "iris", access.Inspector, app.county)
	app.addUser(t, "dora", access.Director, app.county)
	app.addUser(t, "eve", access.Enrollment, app.county)
	iv := app.client(t).login("ivan", "user-pass-1")
	r := iv.post("/complaints", url.Values{"kind": {"tip"}, "channel": {"phone"}, "complainant": {"赵六"},
		"contact": {"13600001111"}, "subject": {"卫生院挂床"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	page := r.Location
	if r := iv.get("/complaints"); !strings.Contains(r.Body, "136****1111") || strings.Contains(r.Body, "13600001111") {
		t.Error("list does not mask the contact")
	}
	iv.post(page+"/step", url.Values{"step": {"assign"}, "assignee": {"iris"}})
	ir := app.client(t).login("iris", "user-pass-1")
	if r := ir.get(page); !strings.Contains(r.Body, `id="complaint-answer"`) {
		t.Fatal("assignee not offered the answer")
	}
	ir.post(page+"/step", url.Values{"step": {"answer"}, "answer": {"经查属实"}, "finding": {"substantiated"}})
	do := app.client(t).login("dora", "user-pass-1")
	do.post(page+"/step", url.Values{"step": {"confirm"}})
	r = do.get(page)
	if !strings.Contains(r.Body, `id="complaint-reward"`) || !strings.Contains(r.Body, "已办结") {
		t.Errorf("confirmed tip-off page: %s", r.Body)
	}
	var status string
	_ = d.QueryRowContext(context.Background(), `SELECT status FROM complaints`).Scan(&status)
	if status != "confirmed" {
		t.Errorf("status %s", status)
	}
	if r := app.client(t).login("eve", "user-pass-1").get("/complaints"); r.Status != http.StatusForbidden {
		t.Errorf("enrollment clerk: %d", r.Status)
	}
}
