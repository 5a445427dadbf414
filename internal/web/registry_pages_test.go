package web

import "testing"

func TestRegistryTemplatesParse(t *testing.T) {
	pages := mustParsePages()
	for _, n := range []string{"registry_search.html", "registry_person.html", "registry_household.html", "registry_household_form.html", "registry_areas.html", "registry_other.html", "registry_other_report.html"} {
		if pages[n] == nil {
			t.Errorf("page %s missing", n)
		}
	}
}
