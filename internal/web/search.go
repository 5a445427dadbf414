package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/registry"
)

// The global search (全局查询): one box in the header of every page finds
// people (ID number, name), households (number, a member's name),
// institutions (code, name) and settlements (number). Each group is read
// through its own service, so the caller's scope filters it: a township
// clerk finds only the township's people, an institution user only its own
// institution and settlements. A search holding an ID number is a POST and
// is answered on the spot (never a URL); the others redirect to GET
// /search?q=, which can be bookmarked.

// searchLimit is how many hits a group shows (the group's own list pages further).
const searchLimit = 10

// searchRoutes: the global search.
func (c *Console) searchRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/search", Roles: everyone, Scope: httpx.ScopeOwn, Handler: c.searchPage},
		{Method: "POST", Pattern: "/search", Roles: everyone, Scope: httpx.ScopeOwn, Handler: c.searchPost},
	}
}

// searchGroup is one group of hits.
type searchGroup struct {
	ID      string // element id: search-persons, ...
	Zh, En  string
	Total   int
	Hits    []searchHit
	MoreURL string // the group's own list with the same query ("" for ID numbers)
}

// searchHit is one hit: a link, a title and a line of detail.
type searchHit struct {
	Href, Title, Detail string
}

// globalSearchView is the data of the results page.
type globalSearchView struct {
	Q        string
	Searched bool
	Groups   []searchGroup
	Hits     int
}

// searchPage shows the results of ?q= (never an ID number).
func (c *Console) searchPage(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	f := emptyForm("q", q)
	if registry.LooksLikeIDNumber(q) {
		f.Values.Set("q", "")
		f.Errors["q"] = fieldErr("q", "id_in_url", "身份证号请在查询框中输入后点“查询”", "type ID numbers into the search box")
		return c.render(w, r, "search.html", View{Status: http.StatusUnprocessableEntity, Form: f, Data: globalSearchView{}})
	}
	if q == "" {
		return c.render(w, r, "search.html", View{Form: f, Data: globalSearchView{}})
	}
	return c.renderSearchResults(w, r, f, q)
}

// searchPost answers an ID number at once and redirects anything else to GET.
func (c *Console) searchPost(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	q := f.Get("q")
	if q == "" {
		f.Errors["q"] = fieldErr("q", "required", "请输入身份证号、姓名、户编号、机构或结算号", "type an ID number, a name, a household, an institution or a settlement number")
		return c.render(w, r, "search.html", View{Status: http.StatusUnprocessableEntity, Form: f, Data: globalSearchView{}})
	}
	if registry.LooksLikeIDNumber(q) {
		return c.renderSearchResults(w, r, f, q)
	}
	return redirect(w, r, "/search?"+url.Values{"q": {q}}.Encode())
}

func (c *Console) renderSearchResults(w http.ResponseWriter, r *http.Request, f *Form, q string) error {
	groups, err := c.globalSearch(r, q)
	if f.Catch(err) {
		return c.render(w, r, "search.html", View{Status: f.Status, Form: f, Data: globalSearchView{Q: q}})
	}
	if err != nil {
		return err
	}
	v := globalSearchView{Q: q, Searched: true, Groups: groups}
	for _, g := range groups {
		v.Hits += g.Total
	}
	if registry.LooksLikeIDNumber(q) {
		f.Values.Set("q", "") // not echoed back into the page's box
		v.Q = ""
	}
	return c.render(w, r, "search.html", View{Form: f, Data: v})
}

// settlementRef matches a settlement number as typed: 123, JS123, setl 123.
var settlementRef = regexp.MustCompile(`^(?i:js|setl|结算)?\s*#?\s*([0-9]{1,18})$`)

// globalSearch runs q against every group the caller may open.
func (c *Console) globalSearch(r *http.Request, q string) ([]searchGroup, error) {
	ctx := r.Context()
	a := principal(r).Actor
	can := func(pattern string) bool { return c.router.Allows(a, http.MethodGet, pattern) }
	isID := registry.LooksLikeIDNumber(q)
	var out []searchGroup
	if can("/persons/{id}") && !a.Scope.IsInstitution() {
		g, err := c.searchPersons(r, q, isID)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
		if h, err := c.searchHouseholds(r, q, isID); err != nil {
			return nil, err
		} else if can("/households/{id}") {
			out = append(out, h)
		}
	}
	if can("/institutions/{id}") && !isID {
		list, total, err := institution.New(c.db, institution.Options{}).List(ctx, institution.Filter{Query: q, Limit: searchLimit})
		if err != nil {
			return nil, err
		}
		g := searchGroup{ID: "search-institutions", Zh: "定点机构", En: "Institutions", Total: total,
			MoreURL: "/institutions?" + url.Values{"q": {q}}.Encode()}
		for _, in := range list {
			g.Hits = append(g.Hits, searchHit{Href: "/institutions/" + strconv.FormatInt(in.ID, 10), Title: in.Name,
				Detail: in.Code})
		}
		out = append(out, g)
	}
	if m := settlementRef.FindStringSubmatch(q); m != nil && !isID && c.canReadSettlements(a) {
		g := searchGroup{ID: "search-settlements", Zh: "结算", En: "Settlements"}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		st, err := c.settle.Get(ctx, id)
		if err == nil {
			g.Total = 1
			g.Hits = append(g.Hits, searchHit{Href: "/desk/settlements/" + strconv.FormatInt(st.ID, 10),
				Title:  strconv.FormatInt(st.ID, 10) + " · " + st.PersonName,
				Detail: st.Date.String() + " · " + st.MedType + " · " + st.CashPay.String()})
		} else if _, ok := apperr.As(err); !ok {
			return nil, err // a user error (not found, not yours) is simply no hit
		}
		out = append(out, g)
	}
	return out, nil
}

// canReadSettlements mirrors the desk's reader rule: an institution reads
// its own, county-wide finance, administrators and auditors read all.
func (c *Console) canReadSettlements(a access.Actor) bool {
	return c.router.Allows(a, http.MethodGet, "/desk/settlements/{id}") &&
		(a.Scope.IsInstitution() || httpx.ScopeCounty.Allows(a.Scope))
}

func (c *Console) searchPersons(r *http.Request, q string, isID bool) (searchGroup, error) {
	res, err := c.reg().SearchPersons(r.Context(), registry.Query{Q: q, Page: registry.Page{Limit: searchLimit}})
	if err != nil {
		return searchGroup{}, err
	}
	g := searchGroup{ID: "search-persons", Zh: "人员", En: "People", Total: res.Total}
	if !isID {
		g.MoreURL = "/persons?" + url.Values{"q": {q}}.Encode()
	}
	lang := Lang(r)
	for _, p := range res.Items {
		zh, en := p.Status.Label()
		st := zh
		if lang == "en" {
			st = en
		}
		g.Hits = append(g.Hits, searchHit{Href: "/persons/" + strconv.FormatInt(p.ID, 10) + "/file", Title: p.Name,
			Detail: strings.Join(nonEmpty(p.MaskedID(), p.HouseholdNumber, p.BirthDate.String(), st), " · ")})
	}
	return g, nil
}

func (c *Console) searchHouseholds(r *http.Request, q string, isID bool) (searchGroup, error) {
	res, err := c.reg().SearchHouseholds(r.Context(), registry.Query{Q: q, Page: registry.Page{Limit: searchLimit}})
	if err != nil {
		return searchGroup{}, err
	}
	g := searchGroup{ID: "search-households", Zh: "家庭户", En: "Households", Total: res.Total}
	_ = isID // households have no list page of their own: the person list shows their members
	for _, h := range res.Items {
		g.Hits = append(g.Hits, searchHit{Href: "/households/" + strconv.FormatInt(h.ID, 10), Title: h.Number,
			Detail: strings.Join(nonEmpty(h.HeadName, h.Address), " · ")})
	}
	return g, nil
}

// nonEmpty drops empty strings.
func nonEmpty(ss ...string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
