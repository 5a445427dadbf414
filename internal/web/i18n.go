package web

// messages is the console's message catalogue: key → {Chinese, English}.
// Use it for words that recur across pages ({{$.T "action.save"}}); a
// sentence used once can be written in place with {{$.Tr "中文" "English"}}.
// Keys are grouped by prefix: action., label., msg., and one prefix per area
// of the console (user., audit., ...).
var messages = map[string][2]string{
	"app.name":       {"新型农村合作医疗管理系统", "Rural Cooperative Medical Scheme"},
	"app.short":      {"新农合", "NCMS"},
	"action.save":    {"保存", "Save"},
	"action.create":  {"新建", "Create"},
	"action.search":  {"查询", "Search"},
	"action.cancel":  {"取消", "Cancel"},
	"action.edit":    {"修改", "Edit"},
	"action.back":    {"返回", "Back"},
	"action.export":  {"导出 Excel", "Export to Excel"},
	"action.login":   {"登录", "Log in"},
	"action.logout":  {"退出", "Log out"},
	"action.disable": {"停用", "Disable"},
	"action.enable":  {"启用", "Enable"},
	"action.revoke":  {"吊销", "Revoke"},
	"action.print":   {"打印", "Print"},
	"label.username": {"用户名", "Username"},
	"label.password": {"密码", "Password"},
	"label.name":     {"姓名", "Name"},
	"label.role":     {"角色", "Role"},
	"label.scope":    {"管辖范围", "Scope"},
	"label.status":   {"状态", "Status"},
	"label.created":  {"创建时间", "Created"},
	"label.actions":  {"操作", "Actions"},
	"label.all":      {"全部", "All"},
	"label.none":     {"无", "None"},
	"label.total":    {"共", "Total"},
	"label.active":   {"正常", "Active"},
	"label.disabled": {"已停用", "Disabled"},
	"msg.empty":      {"没有记录", "No records"},
	"msg.required":   {"必填", "required"},
	"pager.prev":     {"上一页", "Previous"},
	"pager.next":     {"下一页", "Next"},
	"pager.page":     {"第 %d / %d 页，共 %d 条", "Page %d of %d, %d rows"},
	"lang.switch":    {"English", "中文"},
	"password.title": {"修改密码", "Change password"},
}

// translate returns the text of key in lang ("en" or Chinese), or the key
// itself when it is missing, so that a gap shows on the page.
func translate(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return m[1]
	}
	return m[0]
}

// trFor returns the picker of the Chinese or the English text for lang,
// for code that builds labels outside a template (column heads, options).
func trFor(lang string) func(zh, en string) string {
	return func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
}
