// Package web is the HTML console of ncms: server-rendered html/template
// pages with an embedded layout, stylesheet and a little JavaScript, Chinese
// first with English switchable (?lang=en, cookie "lang").
//
// Every page is a route in the table built by routes(): method, pattern,
// roles and scope rule (see internal/httpx). Handlers are methods of
// *Console returning an error; user errors are shown on the page (next to
// the form fields they concern), anything else as a generic 500. See
// docs/web.md for how to add a page.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/auth"
	"ncms/internal/dashboard"
	"ncms/internal/db"
	"ncms/internal/httpx"
	"ncms/internal/notice"
	"ncms/internal/settle"
	"ncms/internal/supervise"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what the console needs.
type Config struct {
	DB            *db.DB
	Auth          *auth.Service
	Log           *slog.Logger
	SecureCookies bool // set when served over HTTPS
	// CountyName is shown in the header (read from meta if empty).
	CountyName string
	// Banner, when set, gives a text every page shows at the top (an
	// empty text shows none): `ncms demo` says how far it has built the
	// county it serves.
	Banner func() string
}

// Console is the web console: its route table and templates.
type Console struct {
	db     *db.DB
	auth   *auth.Service
	log    *slog.Logger
	secure bool
	mu     sync.Mutex // guards county
	county string
	router *httpx.Router
	pages  map[string]*template.Template
	settle *settle.Service // one instance: it caches parsed schemes
	// lookupIP and lookupID rate-limit the public self-service lookup.
	lookupIP, lookupID *notice.Limiter
	dash               *dashboard.Service // one instance: it keeps the figures a minute
	banner             func() string      // Config.Banner
}

// New builds the console. It panics if a template does not parse or a
// route lacks its rules: both are programming errors caught by any test.
func New(cfg Config) *Console {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	c := &Console{db: cfg.DB, auth: cfg.Auth, log: cfg.Log, secure: cfg.SecureCookies, county: cfg.CountyName,
		settle:   settle.New(cfg.DB, settle.Options{Screen: supervise.New(cfg.DB, supervise.Options{})}),
		lookupIP: notice.NewLimiter(lookupPerIP, lookupPerTime), lookupID: notice.NewLimiter(lookupPerID, lookupPerTime),
		dash: dashboard.New(cfg.DB, nil), banner: cfg.Banner}
	c.pages = mustParsePages()
	c.router = httpx.NewRouter(httpx.Config{
		Mode: httpx.Console, Auth: cfg.Auth, Log: cfg.Log,
		LoginPath: "/login", PasswordPath: "/password",
		OnError: c.renderError, SecureCookies: cfg.SecureCookies,
	})
	c.router.Add(c.routes()...)
	return c
}

// ServeHTTP serves the console.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.router.ServeHTTP(w, r) }

// Routes returns the console's route table.
func (c *Console) Routes() []httpx.Route { return c.router.Routes() }

// Role sets used by the route table.
var (
	adminOnly    = []access.Role{access.Admin}
	adminAuditor = []access.Role{access.Admin, access.Auditor}
	everyone     = httpx.AnyRole
)

// routes is the console's route table. Each area of the console lists its
// routes in its own method; add yours here with one line.
func (c *Console) routes() []httpx.Route {
	var rs []httpx.Route
	rs = append(rs, c.coreRoutes()...)
	rs = append(rs, c.userRoutes()...)
	rs = append(rs, c.auditRoutes()...)
	rs = append(rs, c.registryRoutes()...)
	rs = append(rs, c.institutionRoutes()...)
	rs = append(rs, c.catalogRoutes()...)
	rs = append(rs, c.enrollRoutes()...)
	rs = append(rs, c.claimRoutes()...)
	rs = append(rs, c.deskRoutes()...)
	rs = append(rs, c.statementRoutes()...)
	rs = append(rs, c.deductionNoticeRoutes()...)
	rs = append(rs, c.ledgerRoutes()...)
	rs = append(rs, c.superviseRoutes()...)
	rs = append(rs, c.statsRoutes()...)
	rs = append(rs, c.publicRoutes()...)
	rs = append(rs, c.noticeRoutes()...)
	rs = append(rs, c.complaintRoutes()...)
	rs = append(rs, c.searchRoutes()...)
	rs = append(rs, c.personFileRoutes()...)
	return rs
}

// coreRoutes: static files, login, logout, password, home.
func (c *Console) coreRoutes() []httpx.Route {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	return []httpx.Route{
		{Method: "GET", Pattern: "/static/{file...}", Public: true, Scope: httpx.ScopePublic,
			Handler: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Cache-Control", "public, max-age=3600")
				files.ServeHTTP(w, r)
				return nil
			}},
		{Method: "GET", Pattern: "/login", Public: true, Scope: httpx.ScopePublic, Handler: c.loginPage},
		{Method: "POST", Pattern: "/login", Public: true, Scope: httpx.ScopePublic, Handler: c.loginSubmit},
		{Method: "POST", Pattern: "/logout", Roles: everyone, Scope: httpx.ScopeOwn, AllowMustChange: true, Handler: c.logout},
		{Method: "GET", Pattern: "/password", Roles: everyone, Scope: httpx.ScopeOwn, AllowMustChange: true, Handler: c.passwordPage},
		{Method: "POST", Pattern: "/password", Roles: everyone, Scope: httpx.ScopeOwn, AllowMustChange: true, Handler: c.passwordSubmit},
		{Method: "GET", Pattern: "/{$}", Roles: everyone, Scope: httpx.ScopeOwn, Handler: c.home},
	}
}

// navItem is one entry of the main navigation. It is shown to a user only
// when the GET route at Pattern admits the user.
type navItem struct {
	Pattern string // route pattern (also the link)
	Zh, En  string
}

// nav is the main navigation in display order. Add your pages here.
var nav = []navItem{
	{"/{$}", "首页", "Home"},
	{"/persons", "人员查询", "People"},
	{"/households/new", "户籍登记", "Register household"},
	{"/areas", "地区管理", "Areas"},
	{"/other-schemes", "重复参保", "Double enrollment"},
	{"/institutions", "定点机构", "Institutions"},
	{"/catalog", "目录", "Catalogue"},
	{"/enroll", "参合缴费", "Enrollment desk"},
	{"/enroll/receivables", "筹资到账", "Fund raising"},
	{"/enroll/years", "年度与标准", "Years & standards"},
	{"/enroll/coverage", "参合查询", "Coverage check"},
	{"/claims", "手工报销", "Manual claims"},
	{"/desk", "结算台", "Settlement desk"},
	{"/desk/day", "当日结算", "Day's settlements"},
	{"/statements", "月度结算", "Monthly statements"},
	{"/statements/deductions", "违规扣款", "Deductions"},
	{"/statements/batches", "支付批次", "Bank batches"},
	{"/fund", "基金运行", "Fund report"},
	{"/ledger", "基金账簿", "Fund ledger"},
	{"/supervision", "稽核监管", "Supervision"},
	{"/stats", "统计报表", "Statistics"},
	{"/notices", "公示管理", "Notices"},
	{"/outbox", "消息发送", "Outbox"},
	{"/complaints", "投诉举报", "Complaints"},
	{"/admin/users", "用户与权限", "Users"},
	{"/audit", "审计日志", "Audit trail"},
	{"/tokens", "API 令牌", "API tokens"},
}

// renderError answers a refused or failed request with the error page.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	if err := c.render(w, r, "error.html", View{Status: status, Data: e}); err != nil {
		c.log.Error("render error page", "err", err)
		http.Error(w, e.Zh+" / "+e.En, status)
	}
}
