package web

import (
	"ncms/internal/stats"
)

// statsRecordsMax is how many records (in the list's order) the pages and
// the export of a drill-down reach; the page says so when there are more.
const statsRecordsMax = 10000

// statsRecordSortable are the drill-down's sortable columns
// (stats.RecordOrders: the service sorts and pages).
var statsRecordSortable = []string{"source", "date", "institution", "village", "kind", "cost", "basic", "fund"}

// statsRecordColumns are the columns of the records behind a figure
// (stats_records.html): shown and exported in this order, the patient's
// name masked as on the page (the service never gives more).
func statsRecordColumns(lang string) []Column[stats.Record] {
	type x = stats.Record
	tr := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	source := func(r x) string {
		switch {
		case r.Source == "claim":
			return tr("手工报销", "claim")
		case r.Reversal:
			return tr("撤销", "reversal")
		}
		return tr("即时结报", "settlement")
	}
	return []Column[x]{
		{Key: "source", Zh: "来源", En: "Source", Value: func(r x) any { return source(r) }},
		{Key: "id", Zh: "编号", En: "No.", Value: func(r x) any { return r.ID }},
		{Key: "date", Zh: "日期", En: "Date", Value: func(r x) any { return r.Date.String() }},
		{Key: "institution", Zh: "机构", En: "Institution", Value: func(r x) any { return r.Institution }},
		{Key: "person", Zh: "参合人", En: "Patient", Value: func(r x) any { return r.Person }},
		{Key: "village", Zh: "村", En: "Village", Value: func(r x) any { return r.Area }},
		{Key: "kind", Zh: "类别", En: "Kind", Value: func(r x) any { return r.Kind }},
		{Key: "cost", Zh: "医疗费用", En: "Cost", Num: true, Value: func(r x) any { return r.Cost.String() }},
		{Key: "basic", Zh: "基本补偿", En: "Basic", Num: true, Value: func(r x) any { return r.Basic.String() }},
		{Key: "fund", Zh: "补偿合计", En: "Compensation", Num: true, Value: func(r x) any { return r.Fund.String() }},
	}
}
