package browsertest

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ncms/internal/institution"
)

// TestCreateInstitutionShowsSecretOnce: the administrator registers an
// institution from the menu, sees its credentials once, and the detail
// page does not show the secret again.
func TestCreateInstitutionShowsSecretOnce(t *testing.T) {
	t.Setenv(institution.KeyEnv, strings.Repeat("3c", 32))
	Each(t, func(t *testing.T, e *Env) {
		e.Login(t, "admin", e.AdminPassword)
		e.Do(t,
			chromedp.Click(css(`nav.main a[href="/institutions"]`)),
			chromedp.WaitVisible(css("#inst-new")),
			chromedp.Click(css("#inst-new")),
			chromedp.WaitVisible(css("#inst-form")),
			chromedp.SendKeys(css("#f-fixmedins_code"), "H52022200001"),
			chromedp.SendKeys(css("#f-fixmedins_name"), "龙场镇卫生院"),
			chromedp.SetValue(css("#f-level"), "township"),
			chromedp.SetValue(css("#f-area_id"), itoa(e.County)),
			chromedp.Click(css("#inst-form button[type=submit]")),
			chromedp.WaitVisible(css("#secret")),
		)
		secret, paasid := e.Text(t, "#secret"), e.Text(t, "#paasid")
		if len(secret) != 64 || !strings.HasPrefix(paasid, "ncms") {
			t.Fatalf("credentials shown: paasid %q, secret of %d characters", paasid, len(secret))
		}
		e.Do(t,
			chromedp.Click(css("main a.button")),
			chromedp.WaitVisible(css("#inst-facts")),
		)
		if facts := e.Text(t, "#inst-facts"); !strings.Contains(facts, paasid) || strings.Contains(facts, secret) {
			t.Fatalf("detail page: %q", facts)
		}
		if strings.Contains(e.Text(t, "main"), secret) {
			t.Fatal("the secret is shown again")
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
