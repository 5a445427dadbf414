package api

import (
	"bytes"
	"io"
	"net/http"

	"ncms/internal/apperr"
	"ncms/internal/catalog"
	"ncms/internal/civil"
	"ncms/internal/httpx"
)

// catalogRoutes: the reimbursement catalogue.
func (a *API) catalogRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/catalog", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.searchCatalog},
		{Method: "GET", Pattern: "/catalog/template", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.catalogTemplate},
		{Method: "GET", Pattern: "/catalog/{code}", Roles: readers, Scope: httpx.ScopeOwn, Handler: a.catalogItem},
		{Method: "POST", Pattern: "/catalog", Roles: adminOnly, Scope: httpx.ScopeCounty, Handler: a.saveCatalogItem},
		{Method: "POST", Pattern: "/catalog/import", Roles: adminOnly, Scope: httpx.ScopeCounty,
			MaxBody: catalog.MaxFileSize + 1<<20, Handler: a.importCatalog},
	}
}

func queryDate(r *http.Request, name string) (civil.Date, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return civil.Date{}, nil
	}
	d, err := civil.Parse(s)
	if err != nil {
		return d, apperr.Field(name, "date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
	}
	return d, nil
}

type catalogList struct {
	Entries []catalog.Entry `json:"entries"`
	Total   int             `json:"total"`
	On      civil.Date      `json:"date"`
}

func (a *API) searchCatalog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	on, err := queryDate(r, "date")
	if err != nil {
		return err
	}
	f := catalog.Filter{Query: q.Get("q"), On: on, Limit: atoi(q.Get("limit"), 50), Offset: atoi(q.Get("offset"), 0)}
	if k := q.Get("kind"); k != "" {
		f.Kind, _ = catalog.ParseKind(k)
	}
	if c := q.Get("class"); c != "" && f.Class.UnmarshalText([]byte(c)) != nil {
		return apperr.Field("class", "class", "类别应为 A/B/C", "class must be A, B or C")
	}
	s := catalog.New(a.db, catalog.Options{})
	if f.On.IsZero() {
		f.On = s.Today()
	}
	list, total, err := s.Search(r.Context(), f)
	if err != nil {
		return err
	}
	if list == nil {
		list = []catalog.Entry{}
	}
	return ok(w, catalogList{list, total, f.On})
}

// catalogItem answers one item: the version valid on ?date=, or every version.
func (a *API) catalogItem(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "date")
	if err != nil {
		return err
	}
	s := catalog.New(a.db, catalog.Options{})
	vs, err := s.Versions(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	if on.IsZero() {
		if len(vs) == 0 {
			return catalog.ErrNotFound
		}
		return ok(w, map[string]any{"versions": vs})
	}
	for _, v := range vs {
		if v.ValidOn(on) {
			return ok(w, v)
		}
	}
	return catalog.ErrNotFound
}

// saveCatalogItem stores one version from text fields named as the import
// columns (med_list_codg, name, kind, class, selfpay_prop, ...).
func (a *API) saveCatalogItem(w http.ResponseWriter, r *http.Request) error {
	var t catalog.Text
	if err := httpx.ReadJSON(r, &t); err != nil {
		return err
	}
	in, errs := catalog.Parse(t, 0)
	if len(errs) > 0 {
		return apperr.Fields(errs)
	}
	e, act, err := catalog.New(a.db, catalog.Options{}).Save(r.Context(), in)
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"entry": e, "action": act})
}

// importCatalog takes a multipart upload (field "file") or a raw body with
// ?filename=items.csv|.xlsx, and imports it with catalog.ImportFile (the
// console's path: CSV in UTF-8 or GB18030, XLSX, title rows allowed, rows
// reported as the spreadsheet numbers them). All or nothing: 422 lists
// every row error.
func (a *API) importCatalog(w http.ResponseWriter, r *http.Request) error {
	src, name, err := uploadedFile(r)
	if err != nil {
		return err
	}
	res, err := catalog.New(a.db, catalog.Options{}).ImportFile(r.Context(), src, name)
	if err != nil {
		return err
	}
	return ok(w, res)
}

// uploadedFile reads the uploaded file into memory (at most one byte over
// catalog.MaxFileSize, so that the reader reports a file too large).
func uploadedFile(r *http.Request) (*bytes.Reader, string, error) {
	body, name := io.Reader(r.Body), r.URL.Query().Get("filename")
	if mr, merr := r.MultipartReader(); merr == nil {
		for {
			p, err := mr.NextPart()
			if err != nil {
				return nil, "", apperr.Field("file", "required", "请上传文件(字段 file)", "upload a file in the field \"file\"")
			}
			if p.FormName() == "file" {
				body, name = p, p.FileName()
				break
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(body, catalog.MaxFileSize+1))
	if err != nil {
		return nil, "", err
	}
	return bytes.NewReader(b), name, nil
}

func (a *API) catalogTemplate(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="catalog-template.csv"`)
	return catalog.WriteCSV(w, catalog.Template())
}
