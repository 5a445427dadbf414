package settle

import (
	"slices"
	"testing"

	"ncms/internal/registry"
	"ncms/internal/scheme"
)

// Every registry category reaches the engine under a name schemes know.
func TestSchemeCategories(t *testing.T) {
	for _, c := range registry.AllCategories {
		got := schemeCategories(string(c))
		if len(got) != 1 || !slices.Contains(scheme.StandardCategories, got[0]) {
			t.Errorf("registry category %q reaches the engine as %v, not a standard scheme category", c, got)
		}
	}
	if got := schemeCategories("dibao,poor,veteran_family"); !slices.Equal(got, []string{"low_income", "registered_poor", "veteran_family"}) {
		t.Errorf("dibao,poor,veteran_family -> %v", got)
	}
	if schemeCategories("") != nil {
		t.Error("no categories must stay nil")
	}
}
