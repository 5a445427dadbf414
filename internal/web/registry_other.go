package web

import (
	"fmt"
	"net/http"
	"net/url"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// otherView is the data of the other-schemes page.
type otherView struct {
	Batches   []registry.OtherBatch
	CanImport bool
	Problems  []apperr.FieldError // row problems of a refused or partly imported list
	Imported  *registry.OtherBatch
	Schemes   []registry.Scheme
}

// otherSchemes lists the imported lists and offers the upload form.
func (c *Console) otherSchemes(w http.ResponseWriter, r *http.Request) error {
	return c.renderOther(w, r, emptyForm("list_date", c.reg().Today().String()), otherView{})
}

func (c *Console) renderOther(w http.ResponseWriter, r *http.Request, f *Form, v otherView) error {
	var err error
	if v.Batches, err = c.reg().OtherBatches(r.Context()); err != nil {
		return err
	}
	v.CanImport = principal(r).Actor.Can(access.Admin)
	v.Schemes = []registry.Scheme{registry.UrbanResident, registry.UrbanEmployee}
	return c.render(w, r, "registry_other.html", View{Status: f.Status, Form: f, Data: v})
}

// maxProblems is how many row problems the page lists.
const maxProblems = 200

// otherSchemeImport reads an uploaded list and stores it.
func (c *Console) otherSchemeImport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return apperr.New(apperr.Invalid, "malformed", "请选择要上传的文件", "choose a file to upload")
	}
	f := &Form{Values: url.Values(r.MultipartForm.Value), Errors: map[string]apperr.FieldError{}}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		f.Errors["file"] = fieldErr("file", "required", "请选择文件", "choose a file")
		f.Status = http.StatusUnprocessableEntity
		return c.renderOther(w, r, f, otherView{})
	}
	defer file.Close()
	in := registry.OtherListInput{Scheme: registry.Scheme(f.Get("scheme")), Source: hdr.Filename, Note: f.Get("note"), SkipInvalid: f.Bool("skip_invalid")}
	if s := f.Get("list_date"); s != "" {
		if in.ListDate, err = civil.Parse(s); err != nil {
			f.Errors["list_date"] = fieldErr("list_date", "bad_date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
			f.Status = http.StatusUnprocessableEntity
			return c.renderOther(w, r, f, otherView{})
		}
	}
	in.Entries, err = registry.ReadOtherList(file, hdr.Filename)
	var b registry.OtherBatch
	if err == nil {
		b, err = c.reg().ImportOtherList(r.Context(), in)
	}
	if e, ok := apperr.As(err); ok {
		f.Catch(err)
		v := otherView{Problems: e.Fields}
		if len(v.Problems) > maxProblems {
			v.Problems = v.Problems[:maxProblems]
		}
		return c.renderOther(w, r, f, v)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: fmt.Sprintf("已导入 %d 行，跳过 %d 行", b.RowCount, len(b.Skipped)),
		En: fmt.Sprintf("Imported %d rows, skipped %d", b.RowCount, len(b.Skipped))})
	return redirect(w, r, fmt.Sprintf("/other-schemes/report?batch=%d", b.ID))
}

// reportView is the data of the double-enrollment report.
type reportView struct {
	Results  registry.DoubleResults
	Order    SQLOrder // ?sort, ?dir (registry.DoubleOrders)
	Pager    *Pager
	BatchID  int64
	Mismatch bool
}

// otherSchemeReport lists people enrolled both here and in another scheme
// (?batch, ?mismatch=1), by area and household or by a sortable column,
// 50 a page; ?format=xlsx: every row in the same order.
func (c *Console) otherSchemeReport(w http.ResponseWriter, r *http.Request) error {
	cols := otherColumns(Lang(r))
	o := newSQLOrder(r, sqlHeads(cols, otherSortable...), "")
	q := registry.DoubleQuery{BatchID: formID(r.URL.Query().Get("batch")), OnlyMismatch: r.URL.Query().Get("mismatch") == "1",
		Order: o.Key, Desc: o.Desc}
	if wantsXLSX(r) {
		return c.exportDoubles(w, r, q, cols)
	}
	pg := newPager(r, 50)
	q.Page = registry.Page{Limit: pg.Limit(), Offset: pg.Offset()}
	res, err := c.reg().DoubleEnrollments(r.Context(), q)
	if err != nil {
		return err
	}
	pg.Total = res.Total
	if pg.Page > pg.Pages() { // past the end: the last page
		pg.Page = pg.Pages()
		q.Page.Offset = pg.Offset()
		if res, err = c.reg().DoubleEnrollments(r.Context(), q); err != nil {
			return err
		}
	}
	return c.render(w, r, "registry_other_report.html", View{Data: reportView{Results: res, Order: o, Pager: pg, BatchID: q.BatchID, Mismatch: q.OnlyMismatch}})
}

// exportDoubles sends the whole report, in the page's order, as Excel (ID
// numbers masked).
func (c *Console) exportDoubles(w http.ResponseWriter, r *http.Request, q registry.DoubleQuery, cols []Column[registry.DoubleEnrollment]) error {
	var all []registry.DoubleEnrollment
	q.Page = registry.Page{Limit: 200}
	for {
		res, err := c.reg().DoubleEnrollments(r.Context(), q)
		if err != nil {
			return err
		}
		all = append(all, res.Items...)
		q.Offset += 200
		if q.Offset >= res.Total {
			break
		}
	}
	return exportRows(w, r, cols, all, "double-enrollment", (&Page{Lang: Lang(r)}).Tr("重复参保", "Double enrollment"))
}

// MaskID masks an ID number for display in templates.
func (p *Page) MaskID(s string) string { return idcard.Mask(s) }
