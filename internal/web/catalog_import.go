package web

import (
	"fmt"
	"net/http"
	"net/url"

	"ncms/internal/apperr"
	"ncms/internal/catalog"
	"ncms/internal/httpx"
	"ncms/internal/importfile"
)

// catImportView is the data of the import page.
type catImportView struct {
	Problems []importProblem // why the file was refused (nothing written)
	More     int             // problems not listed
	Result   *catalog.ImportResult
}

// importProblem is one line of the error report: row, column, reason.
type importProblem struct {
	Row    int
	Column string // as the template names it
	Key    string // the column key (or "file")
	Zh, En string
	Value  string
}

// catalogImportPage shows the upload form and the template links.
func (c *Console) catalogImportPage(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, "catalog_import.html", View{Form: emptyForm(), Data: catImportView{}})
}

// catalogImport imports an uploaded CSV or XLSX file — all or nothing. On
// any problem the page lists every one (row, column, reason) and nothing
// is written.
func (c *Console) catalogImport(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		if httpx.Status(err) == http.StatusRequestEntityTooLarge {
			return err
		}
		return apperr.New(apperr.Invalid, "malformed", "请选择要上传的文件", "choose a file to upload")
	}
	defer r.MultipartForm.RemoveAll()
	f := &Form{Values: url.Values(r.MultipartForm.Value), Errors: map[string]apperr.FieldError{}}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		f.Catch(apperr.Field("file", "required", "请选择文件", "choose a file"))
		return c.render(w, r, "catalog_import.html", View{Status: f.Status, Form: f, Data: catImportView{}})
	}
	defer file.Close()
	res, err := c.cat().ImportFile(r.Context(), file, hdr.Filename)
	if e, ok := apperr.As(err); ok {
		f.Catch(err)
		v := catImportView{}
		for i, fe := range e.Fields {
			if i == maxProblems {
				v.More = len(e.Fields) - maxProblems
				break
			}
			v.Problems = append(v.Problems, importProblem{Row: fe.Row, Column: catalog.ColumnName(fe.Field),
				Key: fe.Field, Zh: fe.Zh, En: fe.En, Value: fe.Value})
		}
		return c.render(w, r, "catalog_import.html", View{Status: f.Status, Form: f, Data: v})
	}
	if err != nil {
		return err
	}
	n := res.Counts
	c.flash(w, Flash{Kind: "ok",
		Zh: fmt.Sprintf("已导入 %d 行：新增 %d，新版本 %d，更正 %d，未变 %d", res.Rows, n[catalog.Created], n[catalog.NewVersion], n[catalog.Updated], n[catalog.Unchanged]),
		En: fmt.Sprintf("Imported %d rows: %d new, %d new versions, %d corrected, %d unchanged", res.Rows, n[catalog.Created], n[catalog.NewVersion], n[catalog.Updated], n[catalog.Unchanged])})
	return redirect(w, r, "/catalog/import")
}

// catalogTemplate sends the import template: CSV (UTF-8 with BOM), or XLSX
// with ?format=xlsx.
func (c *Console) catalogTemplate(w http.ResponseWriter, r *http.Request) error {
	name := "catalog-template.csv"
	ctype := "text/csv; charset=utf-8"
	if wantsXLSX(r) {
		name, ctype = "catalog-template.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return importfile.WriteTemplate(w, name, catalog.FileColumns, catalog.Template()[1:])
}
