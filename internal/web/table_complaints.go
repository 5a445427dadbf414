package web

import (
	"slices"

	"ncms/internal/complaint"
)

// complaintListMax is how many complaints (the newest of the filter) the
// list sorts, pages and exports; the page says so when it is reached.
const complaintListMax = 1000

// complaintStatuses is the workflow order the status column sorts by.
var complaintStatuses = []string{complaint.Received, complaint.Assigned, complaint.Answered, complaint.Confirmed}

// complaintColumns are the columns of the complaints list
// (complaint_list.html): shown, sortable and exported in this order; the
// contact is masked on the page and in the file alike.
func complaintColumns(lang string) []Column[complaintRow] {
	type c = complaintRow
	label := func(code string) string {
		if code == "" {
			return ""
		}
		zh, en := complaint.Label(code)
		if lang == "en" {
			return en
		}
		return zh
	}
	return []Column[c]{
		{Key: "id", Zh: "#", En: "#", Value: func(x c) any { return x.ID }, Order: byInt(func(x c) int64 { return x.ID })},
		{Key: "kind", Zh: "类别", En: "Kind", Value: func(x c) any { return label(x.Kind) },
			Order: byString(func(x c) string { return label(x.Kind) })},
		{Key: "received", Zh: "收到", En: "Received", Value: func(x c) any { return x.ReceivedOn.String() },
			Order: byString(func(x c) string { return x.ReceivedOn.String() })},
		{Key: "subject", Zh: "事由", En: "Subject", Value: func(x c) any { return x.Subject },
			Order: byString(func(x c) string { return x.Subject })},
		{Key: "contact", Zh: "联系方式", En: "Contact", Value: func(x c) any { return x.ContactMasked }},
		{Key: "assignee", Zh: "承办人", En: "Assignee", Value: func(x c) any { return x.Assignee },
			Order: byString(func(x c) string { return x.Assignee })},
		{Key: "status", Zh: "状态", En: "Status", Value: func(x c) any { return label(x.Status) },
			Order: byInt(func(x c) int { return slices.Index(complaintStatuses, x.Status) })},
		{Key: "finding", Zh: "结论", En: "Finding", Value: func(x c) any { return label(x.Finding) },
			Order: byString(func(x c) string { return label(x.Finding) })},
	}
}
