package web

import (
	"ncms/internal/audit"
)

// auditColumns are the columns of the audit trail (audit.html): shown and
// exported in this order; the sortable ones are auditSortable (keys of
// audit.Orders: the service sorts and pages, the trail is too long to
// hold). The role, object id and address are exported inside other
// columns' cells on the page.
func auditColumns() []Column[audit.Entry] {
	type e = audit.Entry
	return []Column[e]{
		{Key: "id", Zh: "#", En: "#", Num: true, Value: func(x e) any { return x.ID }},
		{Key: "at", Zh: "时间", En: "Time", Value: func(x e) any { return x.At }},
		{Key: "user", Zh: "用户名", En: "Username", Value: func(x e) any { return x.Username }},
		{Key: "role", Zh: "角色", En: "Role", NoHead: true, Value: func(x e) any { return x.Role }},
		{Key: "action", Zh: "操作", En: "Action", Value: func(x e) any { return x.Action }},
		{Key: "object", Zh: "对象", En: "Object", Value: func(x e) any { return x.ObjectType }},
		{Key: "object_id", Zh: "对象编号", En: "Object id", NoHead: true, Value: func(x e) any { return x.ObjectID }},
		{Key: "before", Zh: "修改前", En: "Before", Value: func(x e) any { return x.Before }},
		{Key: "after", Zh: "修改后", En: "After", Value: func(x e) any { return x.After }},
		{Key: "addr", Zh: "地址", En: "Address", Value: func(x e) any { return x.RemoteAddr }},
	}
}

// auditSortable are the audit trail's sortable columns (audit.Orders).
var auditSortable = []string{"id", "at", "user", "action", "object"}
