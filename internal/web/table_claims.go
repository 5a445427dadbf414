package web

import (
	"cmp"

	"ncms/internal/claims"
	"ncms/internal/money"
)

// claimColumns are the columns of the claims queue (claims.html): shown,
// sortable and exported in this order; the masked ID number is exported
// with the person.
func claimColumns(lang string) []Column[claims.Claim] {
	comp := func(c claims.Claim) money.Fen {
		if c.Result == nil {
			return 0
		}
		return c.Result.FundTotal
	}
	stage := func(c claims.Claim) string {
		zh, en := c.Stage.Label()
		if lang == "en" {
			return en
		}
		return zh
	}
	return []Column[claims.Claim]{
		{Key: "id", Zh: "编号", En: "No.", Value: func(c claims.Claim) any { return "BX" + itoa64(c.ID) },
			Order: byInt(func(c claims.Claim) int64 { return c.ID })},
		{Key: "person", Zh: "参合人员", En: "Person", Value: func(c claims.Claim) any { return c.PersonName },
			Order: byString(func(c claims.Claim) string { return c.PersonName })},
		{Key: "id_masked", Zh: "身份证号", En: "ID number", NoHead: true, Value: func(c claims.Claim) any { return c.IDMasked }},
		{Key: "area", Zh: "地区", En: "Area", Value: func(c claims.Claim) any { return c.AreaName },
			Order: byString(func(c claims.Claim) string { return c.AreaName })},
		{Key: "institution", Zh: "就诊机构", En: "Institution", Value: func(c claims.Claim) any { return c.Institution },
			Order: byString(func(c claims.Claim) string { return c.Institution })},
		{Key: "begin", Zh: "就诊日期", En: "Visit", Value: func(c claims.Claim) any { return c.Begin.String() },
			Order: byString(func(c claims.Claim) string { return c.Begin.String() })},
		{Key: "bill", Zh: "费用总额", En: "Bill", Num: true, Value: func(c claims.Claim) any { return c.BillTotal.String() },
			Order: func(a, b claims.Claim) int { return cmp.Compare(a.BillTotal, b.BillTotal) }},
		{Key: "comp", Zh: "补偿金额", En: "Compensation", Num: true, Value: func(c claims.Claim) any {
			if c.Result == nil {
				return ""
			}
			return c.Result.FundTotal.String()
		}, Order: func(a, b claims.Claim) int { return cmp.Compare(comp(a), comp(b)) }},
		{Key: "filed", Zh: "受理日期", En: "Filed", Value: func(c claims.Claim) any { return c.Filed.String() },
			Order: byString(func(c claims.Claim) string { return c.Filed.String() })},
		{Key: "stage", Zh: "环节", En: "Stage", Value: func(c claims.Claim) any { return stage(c) },
			Order: byString(stage)},
	}
}
