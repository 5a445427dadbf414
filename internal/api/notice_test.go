package api_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/notice"
	"ncms/internal/notice/noticetest"
)

// The notice API answers masked rows only, and the outbox API masks the
// recipients.
func TestNoticeAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		c := noticetest.Seed(t, d)
		tok := e.adminToken()
		var out struct {
			Notices []notice.Notice `json:"notices"`
		}
		if st := e.call("POST", "/api/v1/notices", tok, `{"period":"2026-01"}`, &out); st != 201 || len(out.Notices) != 5 {
			t.Fatalf("generate: %d %+v", st, out)
		}
		id := out.Notices[0].ID
		chk := access.WithActor(context.Background(), access.Actor{Username: "ivan", Role: access.Inspector,
			Scope: access.Scope{AreaPath: fmt.Sprintf("/%d/", c.County)}})
		if _, err := notice.New(d, nil).Review(chk, id); err != nil {
			t.Fatal(err)
		}
		today := civil.Of(time.Now().In(notice.China))
		body := fmt.Sprintf(`{"publish_from":%q,"publish_to":%q}`, today, today.AddDays(2))
		if st := e.call("POST", fmt.Sprintf("/api/v1/notices/%d/publish", id), tok, body, nil); st != 422 {
			t.Errorf("3-day window: %d", st)
		}
		body = fmt.Sprintf(`{"publish_from":%q,"publish_to":%q}`, today, today.AddDays(6))
		if st := e.call("POST", fmt.Sprintf("/api/v1/notices/%d/publish", id), tok, body, nil); st != 200 {
			t.Errorf("publish: %d", st)
		}
		var raw map[string]any
		for _, p := range []string{fmt.Sprintf("/api/v1/notices/%d", id), "/api/v1/outbox"} {
			var s strings.Builder
			if st := e.call("GET", p, tok, "", &raw); st != 200 {
				t.Fatalf("%s: %d", p, st)
			}
			fmt.Fprint(&s, raw)
			txt := s.String()
			for _, re := range []string{`\d{17}[\dXx]`, `1[3-9]\d{9}`} {
				if m := regexp.MustCompile(re).FindString(txt); m != "" {
					t.Errorf("%s shows %s", p, m)
				}
			}
			for _, dg := range noticetest.Diagnoses {
				if strings.Contains(txt, dg) {
					t.Errorf("%s shows diagnosis %s", p, dg)
				}
			}
		}
		if !strings.Contains(fmt.Sprint(raw), "****") {
			t.Errorf("outbox: %v", raw)
		}
	})
}
