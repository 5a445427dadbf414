package web

import (
	"cmp"
	"slices"

	"ncms/internal/money"
	"ncms/internal/notice"
)

// noticePerPage is how many notices one page of the month's list shows (a
// county has a notice per village; tests lower it to see pages).
var noticePerPage = 50

// noticeLevels and noticeStatuses are the orders the level and status
// columns sort by.
var (
	noticeLevels   = []string{"county", "township", "village"}
	noticeStatuses = []string{notice.Draft, notice.Reviewed, notice.Published, notice.Withdrawn}
)

// noticeColumns are the columns of the month's notices (notice_list.html):
// shown, sortable and exported in this order. Visits and compensation are
// those of compensation notices (blank on the fund notice).
func noticeColumns(lang string) []Column[notice.Notice] {
	type n = notice.Notice
	tr := trFor(lang)
	comp := func(x n) bool { return x.Kind == notice.Compensation }
	people := func(x n) int {
		if !comp(x) {
			return -1
		}
		return x.People
	}
	amount := func(x n) money.Fen {
		if !comp(x) {
			return -1
		}
		return x.Compensation
	}
	shown := func(x n) string {
		if x.PublishFrom.IsZero() {
			return ""
		}
		return x.PublishFrom.String() + " — " + x.PublishTo.String()
	}
	return []Column[n]{
		{Key: "title", Zh: "标题", En: "Title", Value: func(x n) any { return x.Title },
			Order: byString(func(x n) string { return x.Title })},
		{Key: "level", Zh: "级别", En: "Level", Value: func(x n) any { return tr(notice.LevelLabel(x.Level)) },
			Order: byInt(func(x n) int { return slices.Index(noticeLevels, x.Level) })},
		{Key: "people", Zh: "人次", En: "Visits", Num: true, Value: func(x n) any {
			if !comp(x) {
				return ""
			}
			return x.People
		}, Order: byInt(people)},
		{Key: "compensation", Zh: "补偿金额", En: "Compensation", Num: true, Value: func(x n) any {
			if !comp(x) {
				return ""
			}
			return x.Compensation.String()
		}, Order: func(a, b n) int { return cmp.Compare(amount(a), amount(b)) }},
		{Key: "status", Zh: "状态", En: "Status", Value: func(x n) any { return tr(notice.StatusLabel(x.Status)) },
			Order: byInt(func(x n) int { return slices.Index(noticeStatuses, x.Status) })},
		{Key: "shown", Zh: "公示期", En: "Shown", Value: func(x n) any { return shown(x) }, Order: byString(shown)},
	}
}
