package web

import (
	"net/http"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/enroll"
)

// dateOr parses a date, giving the zero date (today, for the services)
// when empty or malformed; the services report missing dates by field.
func dateOr(s string) civil.Date {
	d, err := civil.Parse(s)
	if err != nil {
		return civil.Date{}
	}
	return d
}

// coverageData is the coverage check page.
type coverageData struct {
	Result *enroll.Coverage
}

// enrollCoveragePage asks "is this person covered on day D".
func (c *Console) enrollCoveragePage(w http.ResponseWriter, r *http.Request) error {
	return c.render(w, r, "enroll_coverage.html", View{Form: emptyForm("date", c.enr().Today().String()), Data: coverageData{}})
}

// enrollCoverageCheck answers it (a POST: the ID number stays out of URLs).
func (c *Console) enrollCoverageCheck(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var col apperr.Collector
	d := parseDate(f, "date", &col)
	if f.Get("id_number") == "" {
		col.AddField("id_number", "required", "请输入身份证号", "enter the ID number")
	}
	err = col.Err()
	var res enroll.Coverage
	if err == nil {
		if d.IsZero() {
			d = c.enr().Today()
		}
		res, err = c.enr().CoverageByIDNumber(r.Context(), f.Get("id_number"), d)
	}
	if f.Catch(err) {
		return c.render(w, r, "enroll_coverage.html", View{Status: f.Status, Form: f, Data: coverageData{}})
	}
	if err != nil {
		return err
	}
	f.Values.Set("id_number", "")
	return c.render(w, r, "enroll_coverage.html", View{Form: f, Data: coverageData{Result: &res}})
}
