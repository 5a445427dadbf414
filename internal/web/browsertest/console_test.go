package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ncms/internal/access"
	"ncms/internal/registry"
)

// TestLoginAndCreateClerk: the administrator's wrong password is refused
// with a message; the right one shows the home page; the administrator
// creates a township enrollment clerk, who logs in with the password shown
// once and must change it first.
func TestLoginAndCreateClerk(t *testing.T) {
	Each(t, func(t *testing.T, e *Env) {
		sys := access.WithActor(context.Background(), access.System("test"))
		town, err := registry.New(e.DB, registry.Options{}).CreateArea(sys, registry.AreaInput{ParentID: e.County, Name: "红果镇"})
		if err != nil {
			t.Fatal(err)
		}
		e.Do(t,
			chromedp.Navigate(e.URL+"/"),
			chromedp.WaitVisible(css("#login-form")),
			chromedp.SendKeys(css("#f-username"), "admin"),
			chromedp.SendKeys(css("#f-password"), "not-the-password"),
			chromedp.Click(css("#login-form button[type=submit]")),
			chromedp.WaitVisible(css(".flash-error")),
		)
		if msg := e.Text(t, ".flash-error"); !strings.Contains(msg, "用户名或密码错误") {
			t.Fatalf("wrong password message: %q", msg)
		}

		e.Login(t, "admin", e.AdminPassword)
		// The administrator's home page is the county dashboard.
		if h1 := e.Text(t, "main h1"); !strings.Contains(h1, "基金运行概况") {
			t.Fatalf("home page heading: %q", h1)
		}
		if who := e.Text(t, "header .user"); !strings.Contains(who, "管理员") && !strings.Contains(who, "admin") {
			t.Fatalf("logged-in user shown as %q", who)
		}

		e.Do(t,
			chromedp.Click(css(`nav.main a[href="/admin/users"]`)),
			chromedp.WaitVisible(css("#new-user")),
			chromedp.Click(css("#new-user")),
			chromedp.WaitVisible(css("#user-form")),
			chromedp.SendKeys(css("#f-username"), "clerk.hg"),
			chromedp.SendKeys(css("#f-display_name"), "王芳"),
			chromedp.SetValue(css("#f-role"), string(access.Enrollment)),
			chromedp.SetValue(css("#f-area_id"), strconv.FormatInt(town.ID, 10)),
			chromedp.Click(css("#user-form button[type=submit]")),
			chromedp.WaitVisible(css("#secret")),
		)
		secret := e.Text(t, "#secret")
		if len(secret) != 16 {
			t.Fatalf("generated password %q", secret)
		}
		e.Logout(t)

		// The clerk logs in, is sent to change the password, then sees home.
		e.Login(t, "clerk.hg", secret)
		e.Do(t,
			chromedp.WaitVisible(css("#f-old_password")),
			chromedp.SendKeys(css("#f-old_password"), secret),
			chromedp.SendKeys(css("#f-new_password"), "clerk-pass-2"),
			chromedp.SendKeys(css("#f-confirm_password"), "clerk-pass-2"),
			chromedp.Submit(css("#f-confirm_password")),
			chromedp.WaitVisible(css("p.lead")),
		)
		if scope := e.Text(t, "p.lead"); !strings.Contains(scope, "红果镇") || !strings.Contains(scope, "参合登记员") {
			t.Fatalf("clerk home: %q", scope)
		}
	})
}

// css is a CSS selector.
func css(s string) chromedp.CSS { return chromedp.CSS(s) }
