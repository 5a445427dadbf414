package settle

import "strings"

// schemeCategory maps the registry's person category codes (persons.categories,
// registry.Category) to the names compensation schemes use (scheme.StandardCategories,
// docs/scheme.md): without it a scheme's `category: low_income` never matched a
// person registered as 低保 and the assistance and backstop layers paid nothing.
var schemeCategory = map[string]string{
	"wubao":    "five_guarantee",
	"dibao":    "low_income",
	"tekun":    "extreme_poor",
	"youfu":    "entitled",
	"disabled": "disabled",
	"poor":     "registered_poor",
	"migrant":  "migrant",
}

// schemeCategories reads a persons.categories value ("dibao,poor") as the
// engine's category names; a code the map does not know passes unchanged
// (a scheme's own extra category).
func schemeCategories(cats string) []string {
	if cats == "" {
		return nil
	}
	out := strings.Split(cats, ",")
	for i, c := range out {
		if n, ok := schemeCategory[c]; ok {
			out[i] = n
		}
	}
	return out
}
