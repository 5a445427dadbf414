package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// TestSearchPerson: a household is registered; the administrator opens
// "人员查询", types the head's ID number, sees the person with the number
// masked (and not in the address bar), and opens the person page.
func TestSearchPerson(t *testing.T) {
	Each(t, func(t *testing.T, e *Env) {
		sys := access.WithActor(context.Background(), access.System("test"))
		reg := registry.New(e.DB, registry.Options{})
		town, err := reg.CreateArea(sys, registry.AreaInput{ParentID: e.County, Name: "红果镇"})
		if err != nil {
			t.Fatal(err)
		}
		vill, err := reg.CreateArea(sys, registry.AreaInput{ParentID: town.ID, Name: "红星村"})
		if err != nil {
			t.Fatal(err)
		}
		head := idcard.Generate("520222", civil.MustParse("1970-03-01"), 11, true)
		_, err = reg.RegisterHousehold(sys, registry.HouseholdInput{AreaID: vill.ID, Members: []registry.PersonInput{
			{IDNumber: head, Name: "张大山", Relation: "户主"},
			{IDNumber: idcard.Generate("520222", civil.MustParse("1972-05-09"), 12, false), Name: "李秀英", Relation: "配偶"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		e.Login(t, "admin", e.AdminPassword)
		e.Do(t,
			chromedp.Click(chromedp.CSS(`nav.main a[href="/persons"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#person-search`)),
			chromedp.SendKeys(chromedp.CSS(`#f-q`), head),
			chromedp.Click(chromedp.CSS(`#search-submit`)),
			chromedp.WaitVisible(chromedp.CSS(`#person-results`)),
		)
		row := e.Text(t, `#person-results tbody`)
		if !strings.Contains(row, "张大山") || !strings.Contains(row, idcard.Mask(head)) || strings.Contains(row, "李秀英") {
			t.Fatalf("results: %q", row)
		}
		if loc, _ := chromedp.Run(e.Ctx, chromedp.Location()); strings.Contains(loc, head) {
			t.Fatalf("the ID number is in the address bar: %s", loc)
		}
		e.Do(t,
			chromedp.Click(chromedp.CSS(`#person-results tbody a[href^="/persons/"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#person-name`)),
		)
		if name := e.Text(t, `#person-name`); !strings.Contains(name, "张大山") {
			t.Fatalf("person page heading: %q", name)
		}
	})
}
