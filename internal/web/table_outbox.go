package web

import (
	"time"

	"ncms/internal/outbox"
)

// outboxMax is how many messages (in the list's order) the pages and the
// export reach; the page says so when there are more (filter by status).
const outboxMax = 10000

// outboxSortable are the outbox list's sortable columns (outbox.Orders:
// the service sorts and pages, the outbox is too long to hold).
var outboxSortable = []string{"id", "kind", "status", "attempts", "at"}

// outboxAt is when a message was sent, or is next due.
func outboxAt(m outboxRow) time.Time {
	if m.Status == outbox.Sent {
		return m.SentAt
	}
	return m.NextAt
}

// outboxColumns are the columns of the outbox (outbox.html): shown and
// exported in this order, the recipient masked as on the page; the last
// (the retry button) is neither sorted nor exported.
func outboxColumns(lang string) []Column[outboxRow] {
	type m = outboxRow
	tr := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	return []Column[m]{
		{Key: "id", Zh: "#", En: "#", Num: true, Value: func(x m) any { return x.ID }},
		{Key: "kind", Zh: "类别", En: "Kind", Value: func(x m) any { return tr(x.KindZh, x.KindEn) }},
		{Key: "to", Zh: "接收号码", En: "To", Value: func(x m) any { return x.To }},
		{Key: "body", Zh: "内容", En: "Text", Value: func(x m) any { return x.Body }},
		{Key: "status", Zh: "状态", En: "Status", Value: func(x m) any { return x.Status }},
		{Key: "attempts", Zh: "尝试", En: "Attempts", Num: true, Value: func(x m) any { return x.Attempts }},
		{Key: "at", Zh: "下次 / 发送时间", En: "Next / sent", Value: func(x m) any { return outboxAt(x) }},
		{Key: "error", Zh: "错误", En: "Error", Value: func(x m) any { return x.LastError }},
		{Key: "retry"},
	}
}
