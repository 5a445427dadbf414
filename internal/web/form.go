package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/httpx"
)

// Form is a submitted (or to-be-filled) form: its values, the errors found
// per field, and a general error. Templates show it with the "field"
// partial, which puts each field's error next to it.
type Form struct {
	Values url.Values
	Errors map[string]apperr.FieldError
	Error  *apperr.Error // a problem not tied to one field
	Status int           // HTTP status to re-render with
}

// newForm parses r's form (POST body and query). A body over the route's
// limit is an error.
func newForm(r *http.Request) (*Form, error) {
	if err := r.ParseForm(); err != nil {
		if httpx.Status(err) == http.StatusRequestEntityTooLarge {
			return nil, err
		}
		return nil, apperr.New(apperr.Invalid, "malformed", "表单格式错误", "malformed form")
	}
	return &Form{Values: r.Form, Errors: map[string]apperr.FieldError{}}, nil
}

// emptyForm returns a form with initial values (for GET pages).
func emptyForm(kv ...string) *Form {
	f := &Form{Values: url.Values{}, Errors: map[string]apperr.FieldError{}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Values.Set(kv[i], kv[i+1])
	}
	return f
}

// Get returns a trimmed value.
func (f *Form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// Int returns a value as an integer (0 when empty or not a number).
func (f *Form) Int(name string) int64 {
	n, _ := strconv.ParseInt(f.Get(name), 10, 64)
	return n
}

// Bool reports whether a checkbox is ticked.
func (f *Form) Bool(name string) bool {
	v := f.Get(name)
	return v == "on" || v == "1" || v == "true"
}

// Catch records a user error on the form and reports true, so the handler
// re-renders the form; for nil or an internal error it reports false.
//
//	if f.Catch(err) { return c.render(w, r, "x.html", View{Status: f.Status, Form: f}) }
//	if err != nil { return err }
func (f *Form) Catch(err error) bool {
	e, ok := apperr.As(err)
	if !ok {
		return false
	}
	f.Status = httpx.Status(err)
	if len(e.Fields) == 0 {
		f.Error = e
		return true
	}
	for _, fe := range e.Fields {
		if _, seen := f.Errors[fe.Field]; !seen {
			f.Errors[fe.Field] = fe
		}
	}
	if len(e.Fields) > 1 || e.Code != e.Fields[0].Code {
		f.Error = e
	}
	return true
}

// Field is what the "field" partial renders: a label, an input, its error.
type Field struct {
	Name, Label, Type, Value, Error, Hint string
	Required                              bool
	Options                               []Option // for Type "select"
	Page                                  *Page
}

// Option is one choice of a select field.
type Option struct {
	Value, Label string
	Selected     bool
}

// Field builds a form field for the "field" partial:
//
//	{{template "field" ($.Field "username" "用户名" "Username" "text" true)}}
//
// Type is an <input> type, "textarea" or "select" (see Select).
func (p *Page) Field(name, zh, en, typ string, required bool) Field {
	fd := Field{Name: name, Label: p.Tr(zh, en), Type: typ, Required: required, Page: p}
	if p.Form != nil {
		if typ != "password" {
			fd.Value = p.Form.Get(name)
		}
		if fe, ok := p.Form.Errors[name]; ok {
			fd.Error = p.Tr(fe.Zh, fe.En)
		}
	}
	return fd
}

// Select builds a select field from options; the one equal to the form's
// value is selected.
func (p *Page) Select(name, zh, en string, required bool, opts []Option) Field {
	fd := p.Field(name, zh, en, "select", required)
	fd.Options = make([]Option, len(opts))
	for i, o := range opts {
		o.Selected = o.Value == fd.Value
		fd.Options[i] = o
	}
	return fd
}

// ErrorText returns the form's general error in the page's language.
func (p *Page) ErrorText() string {
	if p.Form == nil || p.Form.Error == nil {
		return ""
	}
	return p.Tr(p.Form.Error.Zh, p.Form.Error.En)
}

// FieldError returns the error of one form field in the page's language,
// or "" when it has none: {{with $.FieldError "file"}}<div class="error">{{.}}</div>{{end}}.
// (Use it rather than {{with index .Form.Errors "x"}}: a missing key gives
// a zero struct, which a template treats as true.)
func (p *Page) FieldError(name string) string {
	if p.Form == nil {
		return ""
	}
	fe, ok := p.Form.Errors[name]
	if !ok {
		return ""
	}
	return p.Tr(fe.Zh, fe.En)
}
