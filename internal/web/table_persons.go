package web

import (
	"strings"

	"ncms/internal/registry"
)

// personColumns are the columns of the person search (registry_search.html):
// shown and exported in this order, the ID number masked in both. The
// sortable ones are personSortable (keys of registry.PersonOrders: the
// service sorts and pages, the register is too long to hold).
func personColumns(lang string) []Column[registry.Person] {
	type p = registry.Person
	tr := trFor(lang)
	return []Column[p]{
		{Key: "name", Zh: "姓名", En: "Name", Value: func(x p) any { return x.Name }},
		{Key: "id_number", Zh: "身份证号", En: "ID number", Value: func(x p) any { return x.MaskedID() }},
		{Key: "sex", Zh: "性别", En: "Sex", Value: func(x p) any { return tr(x.Sex.Chinese(), x.Sex.String()) }},
		{Key: "birth", Zh: "出生日期", En: "Born", Value: func(x p) any { return x.BirthDate.String() }},
		{Key: "household", Zh: "户编号", En: "Household", Value: func(x p) any { return x.HouseholdNumber }},
		{Key: "relation", Zh: "与户主关系", En: "Relation", Value: func(x p) any { return x.Relation }},
		{Key: "categories", Zh: "人员类别", En: "Categories", Value: func(x p) any {
			var s []string
			for _, c := range x.Categories {
				s = append(s, tr(c.Label()))
			}
			return strings.Join(s, tr("、", ", "))
		}},
		{Key: "status", Zh: "状态", En: "Status", Value: func(x p) any { return tr(x.Status.Label()) }},
	}
}

// personSortable are the person search's sortable columns
// (registry.PersonOrders).
var personSortable = []string{"name", "sex", "birth", "household", "relation", "status"}
