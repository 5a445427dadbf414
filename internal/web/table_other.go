package web

import (
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// otherSortable are the double-enrollment report's sortable columns
// (registry.DoubleOrders: the service matches, filters, sorts and pages).
var otherSortable = []string{"household", "name", "other", "scheme", "date"}

// otherColumns are the columns of the double-enrollment report
// (registry_other_report.html): shown and exported in this order, the ID
// number masked as on the page; the list's row number and the mismatch
// are exported, shown inside other cells.
func otherColumns(lang string) []Column[registry.DoubleEnrollment] {
	type d = registry.DoubleEnrollment
	p := &Page{Lang: lang}
	return []Column[d]{
		{Key: "household", Zh: "户编号", En: "Household", Value: func(x d) any { return x.HouseholdNumber }},
		{Key: "name", Zh: "姓名", En: "Name", Value: func(x d) any { return x.Name }},
		{Key: "other", Zh: "对方名单姓名", En: "Name on the list", Value: func(x d) any { return x.OtherName }},
		{Key: "id_number", Zh: "身份证号", En: "ID number", Value: func(x d) any { return idcard.Mask(x.IDNumber) }},
		{Key: "scheme", Zh: "对方险种", En: "Other scheme", Value: func(x d) any { return p.Lbl(x.Scheme) }},
		{Key: "date", Zh: "名单日期", En: "List date", Value: func(x d) any { return x.ListDate.String() }},
		{Key: "row", Zh: "名单行号", En: "Row of the list", NoHead: true, Value: func(x d) any { return x.Row }},
		{Key: "mismatch", Zh: "姓名不一致", En: "Names differ", NoHead: true, Value: func(x d) any {
			if x.NameMismatch {
				return p.Tr("是", "yes")
			}
			return ""
		}},
	}
}
