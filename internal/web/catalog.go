package web

import (
	"net/http"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/catalog"
	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// catalogRoutes are the catalogue pages: search on a date, item versions,
// file import with its row report, and the import template.
func (c *Console) catalogRoutes() []httpx.Route {
	own, county := httpx.ScopeOwn, httpx.ScopeCounty
	return []httpx.Route{
		{Method: "GET", Pattern: "/catalog", Roles: instReaders, Scope: own, Handler: c.catalogSearch},
		{Method: "GET", Pattern: "/catalog/items/{code}", Roles: instReaders, Scope: own, Handler: c.catalogItem},
		{Method: "GET", Pattern: "/catalog/template", Roles: instReaders, Scope: own, Handler: c.catalogTemplate},
		{Method: "GET", Pattern: "/catalog/import", Roles: adminOnly, Scope: county, Handler: c.catalogImportPage},
		{Method: "POST", Pattern: "/catalog/import", Roles: adminOnly, Scope: county, Handler: c.catalogImport,
			MaxBody: catalog.MaxFileSize + 1<<20},
	}
}

// cat returns the catalogue service over the console's database.
func (c *Console) cat() *catalog.Service { return catalog.New(c.db, catalog.Options{}) }

// catSearchView is the data of the catalogue search page.
type catSearchView struct {
	Items    []catalog.Entry
	Pager    *Pager
	Order    SQLOrder // the header; the service sorts (?sort=) and pages
	On       civil.Date
	Kinds    []Option
	Classes  []Option
	CanWrite bool
}

// catalogHeads are the columns of the catalogue search; the sortable keys
// are those of catalog.SearchOrders (the service sorts: the catalogue is
// too long to hold).
var catalogHeads = []colHead{
	{Key: "code", Zh: "编码", En: "Code", Sortable: true},
	{Key: "name", Zh: "名称", En: "Name", Sortable: true},
	{Key: "kind", Zh: "类型", En: "Kind", Sortable: true},
	{Key: "class", Zh: "类别", En: "Class", Sortable: true},
	{Key: "selfpay", Zh: "自付比例", En: "Self-pay", Num: true},
	{Key: "ceiling", Zh: "限价", En: "Ceiling", Num: true, Sortable: true},
	{Key: "price", Zh: "单价", En: "Price", Num: true, Sortable: true},
	{Key: "unit", Zh: "单位 / 规格", En: "Unit / spec"},
	{Key: "flags", Zh: "标记", En: "Flags"},
	{Key: "levels", Zh: "报销级别", En: "Levels"},
	{Key: "valid", Zh: "有效期", En: "Valid", Sortable: true},
}

// catalogFilter reads the search form from the query: q, kind, class and
// date (default today). A bad class or date is a field error.
func (c *Console) catalogFilter(r *http.Request) (catalog.Filter, *Form) {
	q := r.URL.Query()
	f := emptyForm("q", q.Get("q"), "kind", q.Get("kind"), "class", q.Get("class"), "date", q.Get("date"))
	flt := catalog.Filter{Query: f.Get("q")}
	if k := f.Get("kind"); k != "" {
		flt.Kind, _ = catalog.ParseKind(k)
	}
	if cl := f.Get("class"); cl != "" && flt.Class.UnmarshalText([]byte(cl)) != nil {
		f.Catch(apperr.Field("class", "class", "类别应为 甲/乙/丙", "class must be A, B or C"))
	}
	if d := f.Get("date"); d != "" {
		var err error
		if flt.On, err = civil.Parse(d); err != nil {
			f.Catch(apperr.Field("date", "date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD"))
		}
	}
	if flt.On.IsZero() {
		flt.On = c.cat().Today()
		f.Values.Set("date", flt.On.String())
	}
	return flt, f
}

// catalogSearch lists the versions valid on the chosen date (?format=xlsx:
// every matching row as Excel).
func (c *Console) catalogSearch(w http.ResponseWriter, r *http.Request) error {
	flt, f := c.catalogFilter(r)
	p := &Page{Lang: Lang(r)}
	v := catSearchView{On: flt.On, CanWrite: canWriteInstitutions(r),
		Kinds: []Option{{Value: "", Label: p.T("label.all")}}, Classes: []Option{{Value: "", Label: p.T("label.all")}}}
	for _, k := range []catalog.Kind{catalog.Drug, catalog.ServiceItem, catalog.Facility} {
		zh, en := k.Label()
		v.Kinds = append(v.Kinds, Option{Value: string(k), Label: p.Tr(zh, en)})
	}
	for _, cl := range []engine.Class{engine.ClassA, engine.ClassB, engine.ClassC} {
		v.Classes = append(v.Classes, Option{Value: cl.String(), Label: classLabel(p, cl)})
	}
	v.Order = newSQLOrder(r, catalogHeads, "code")
	flt.Order, flt.Desc = v.Order.Key, v.Order.Desc
	if len(f.Errors) > 0 {
		return c.render(w, r, "catalog_search.html", View{Status: f.Status, Form: f, Data: v})
	}
	if wantsXLSX(r) {
		return c.exportCatalog(w, r, flt)
	}
	v.Pager = newPager(r, 50)
	flt.Limit, flt.Offset = v.Pager.Limit(), v.Pager.Offset()
	var err error
	if v.Items, v.Pager.Total, err = c.cat().Search(r.Context(), flt); err != nil {
		return err
	}
	return c.render(w, r, "catalog_search.html", View{Form: f, Data: v})
}

// exportCatalog sends every version matching flt as Excel, with the
// template's column names (so that the file can be edited and imported).
func (c *Console) exportCatalog(w http.ResponseWriter, r *http.Request, flt catalog.Filter) error {
	t := Table{Sheet: "目录"}
	for _, col := range catalog.FileColumns {
		t.Header = append(t.Header, col.Display())
	}
	flt.Limit, flt.Offset = 500, 0
	for {
		items, total, err := c.cat().Search(r.Context(), flt)
		if err != nil {
			return err
		}
		for _, e := range items {
			t.Rows = append(t.Rows, entryRow(e))
		}
		flt.Offset += len(items)
		if len(items) == 0 || flt.Offset >= total {
			break
		}
	}
	return writeXLSX(w, "catalog-"+flt.On.String(), t)
}

// entryRow is one version in the import columns' order and notation.
func entryRow(e catalog.Entry) []any {
	kind, _ := e.Kind.Label()
	share, ceiling, price, to := "", "", "", ""
	if e.Class == engine.ClassB {
		share = e.SelfPay.Fraction()
	}
	if e.PriceCap != 0 {
		ceiling = e.PriceCap.String()
	}
	if e.Price != 0 {
		price = e.Price.String()
	}
	if !e.ValidTo.IsZero() {
		to = e.ValidTo.String()
	}
	return []any{e.Code, e.Name, kind, [...]string{"", "甲", "乙", "丙"}[e.Class&3], share, ceiling, price, e.Unit, e.Spec,
		e.FeeType, yesNo(e.Essential), yesNo(e.Restricted), e.Restriction, strings.Join(e.Levels, ","),
		e.ValidFrom.String(), to}
}

// classLabel names a class: 甲类 / class A.
func classLabel(p *Page, cl engine.Class) string {
	return p.Tr([...]string{"", "甲类", "乙类", "丙类"}[cl&3], "class "+cl.String())
}

// ClassLbl names a catalogue class in the page's language: {{$.ClassLbl .Class}}.
func (p *Page) ClassLbl(cl engine.Class) string { return classLabel(p, cl) }

// LevelsLbl names the institution levels of an entry ("all levels" when empty).
func (p *Page) LevelsLbl(levels []string) string {
	if len(levels) == 0 {
		return p.Tr("各级均可", "all levels")
	}
	names := make([]string, len(levels))
	for i, l := range levels {
		zh, en := institution.Level(l).Label()
		names[i] = p.Tr(zh, en)
	}
	return strings.Join(names, p.Tr("、", ", "))
}

// catItemView is the data of the item page.
type catItemView struct {
	Code     string
	Versions []catalog.Entry // newest first
	Today    civil.Date
}

// catalogItem shows every version of one item, newest first.
func (c *Console) catalogItem(w http.ResponseWriter, r *http.Request) error {
	s := c.cat()
	vs, err := s.Versions(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return catalog.ErrNotFound
	}
	v := catItemView{Code: vs[0].Code, Today: s.Today()}
	for i := len(vs) - 1; i >= 0; i-- {
		v.Versions = append(v.Versions, vs[i])
	}
	return c.render(w, r, "catalog_item.html", View{Data: v})
}
