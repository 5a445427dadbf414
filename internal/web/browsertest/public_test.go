package browsertest

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/notice/noticetest"
)

// statusIs waits until the notice page shows the status (across the
// reload a form submission causes).
func statusIs(s string) chromedp.Action[chromedp.Void] {
	expr := `(function () { var b = document.querySelector("#notice-status");
		return b !== null && b.textContent.trim() === ` + strconv.Quote(s) + `; })()`
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for {
			if ok, err := chromedp.Evaluate[bool](expr)(ctx, tg); err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("notice status %q: %w", s, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

// fullID matches a full 18-character ID number.
var fullID = regexp.MustCompile(`\d{17}[\dXx]`)

// TestPublicNoticeAndLookup: a finance clerk generates January 2026's
// compensation notices, the director reviews and publishes the county's;
// a logged-out browser finds it on the public board, reads it (names
// masked, no full ID number anywhere) and opens the print view. Then, on a
// phone (390×844), a participant looks up their own enrollment and
// settlements with ID number and name and sees them masked (name and ID); a
// wrong name gets a plain answer and no records.
func TestPublicNoticeAndLookup(t *testing.T) {
	Each(t, func(t *testing.T, e *Env) {
		c := noticetest.Seed(t, e.DB)
		sys := access.WithActor(context.Background(), access.System("test"))
		for _, u := range []struct {
			name, display string
			role          access.Role
		}{{"fin1", "王会计", access.Finance}, {"dir1", "刘主任", access.Director}} {
			if _, _, err := e.App.Auth.CreateUser(sys, auth.UserInput{Username: u.name, DisplayName: u.display, Role: u.role,
				AreaID: e.County, Password: "user-pass-1"}); err != nil {
				t.Fatal(err)
			}
		}

		// The clerk generates the month's notices.
		e.Login(t, "fin1", "user-pass-1")
		e.Do(t,
			chromedp.Navigate(e.URL+"/notices?period=2026-01"),
			chromedp.WaitVisible(css("#notice-generate")),
			chromedp.Click(css(`#notice-generate button[value="compensation"]`)),
			chromedp.WaitVisible(css(".flash-ok")),
		)
		var county int64
		if err := e.DB.QueryRowContext(context.Background(), `SELECT id FROM notices WHERE area_id = ? AND kind = 'compensation'`,
			c.County).Scan(&county); err != nil {
			t.Fatalf("the county's notice: %v", err)
		}
		e.Do(t, chromedp.Navigate(e.URL+"/notices/"+itoa(county)), chromedp.WaitVisible(css("#notice-status")))
		if strings.Contains(e.Text(t, "main"), "审核通过") {
			t.Fatal("the clerk who generated the notice is offered its review")
		}
		e.Logout(t)

		// A second user reviews and publishes it.
		e.Login(t, "dir1", "user-pass-1")
		e.Do(t,
			chromedp.Navigate(e.URL+"/notices/"+itoa(county)),
			chromedp.WaitVisible(css("#notice-review")),
			chromedp.Click(css("#notice-review button[type=submit]")),
			statusIs("已审核"),
			chromedp.WaitVisible(css("#notice-publish")),
			chromedp.Click(css("#notice-publish button[type=submit]")),
			statusIs("已发布"),
		)
		e.Logout(t)

		// Logged out: the public board, the notice, its print view.
		e.Do(t,
			chromedp.Navigate(e.URL+"/public/notices"),
			chromedp.WaitVisible(css("#public-notices")),
			chromedp.Click(css(`#public-notices a[href="/public/notices/`+itoa(county)+`"]`)),
			chromedp.WaitVisible(css("#notice-rows")),
		)
		body := e.Text(t, "body")
		if !strings.Contains(body, "张*明") {
			t.Errorf("the public notice shows no masked name:\n%s", body)
		}
		if ids := fullID.FindAllString(body, -1); len(ids) > 0 {
			t.Errorf("the public notice shows full ID numbers %v", ids)
		}
		for _, p := range c.People {
			if strings.Contains(body, p.Name) && p.Name != "李四" {
				t.Errorf("the public notice shows the full name %s", p.Name)
			}
		}
		e.Do(t,
			chromedp.Click(css(`a.button[href$="/print"]`)),
			chromedp.WaitVisible(css("#notice.print")),
			chromedp.WaitVisible(css("[data-print]")),
		)
		if _, err := chromedp.Run(e.Ctx, chromedp.Evaluate[bool](`window.__printed = false; window.print = function () { window.__printed = true; }; true`)); err != nil {
			t.Fatal(err)
		}
		e.Do(t, chromedp.Click(css("[data-print]")))
		if printed, err := chromedp.Run(e.Ctx, chromedp.Evaluate[bool](`window.__printed`)); err != nil || !printed {
			t.Errorf("the print button did not print (%v)", err)
		}
		if ids := fullID.FindAllString(e.Text(t, "body"), -1); len(ids) > 0 {
			t.Errorf("the print view shows full ID numbers %v", ids)
		}

		// Self-service on a phone.
		p := c.People[0]
		e.Do(t,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
			chromedp.Navigate(e.URL+"/public/notices"),
			chromedp.Click(css(`a[href="/public/lookup"]`)),
			chromedp.WaitVisible(css("#lookup-form")),
			chromedp.SendKeys(css("#f-id_number"), p.IDNumber),
			chromedp.SendKeys(css("#f-name"), p.Name),
			chromedp.Click(css("#lookup-form button[type=submit]")),
			chromedp.WaitVisible(css("#lookup-result")),
		)
		res := e.Text(t, "#lookup-result")
		if !strings.Contains(res, "5202**********123X") || !strings.Contains(res, "8641.50") || !strings.Contains(res, "张*明") {
			t.Errorf("lookup result:\n%s", res)
		}
		if ids := fullID.FindAllString(e.Text(t, "body"), -1); len(ids) > 0 {
			t.Errorf("the lookup shows full ID numbers %v", ids)
		}
		fits, err := chromedp.Run(e.Ctx, chromedp.Evaluate[bool](`document.scrollingElement.scrollWidth <= window.innerWidth`))
		if err != nil || !fits {
			t.Errorf("the lookup answer is wider than the phone (%v)", err)
		}
		e.Do(t,
			chromedp.Navigate(e.URL+"/public/lookup"),
			chromedp.WaitVisible(css("#lookup-form")),
			chromedp.SendKeys(css("#f-id_number"), p.IDNumber),
			chromedp.SendKeys(css("#f-name"), "张三"),
			chromedp.Click(css("#lookup-form button[type=submit]")),
			chromedp.WaitVisible(css("#lookup-error")),
		)
		if msg := e.Text(t, "#lookup-error"); msg == "" || fullID.MatchString(msg) || strings.Contains(msg, "error") {
			t.Errorf("wrong name answer: %q", msg)
		} else {
			t.Logf("wrong name: %s", msg)
		}
		if n, _ := chromedp.Run(e.Ctx, chromedp.Evaluate[int](`document.querySelectorAll("#lookup-result").length`)); n != 0 {
			t.Error("records shown for a wrong name")
		}
		e.Do(t, chromedp.EmulateViewport(1280, 900))
	})
}
