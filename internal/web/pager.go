package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Pager splits a long list into pages: ?page=N (1-based). Handlers take
// Limit and Offset for the query, set Total from the count, and pass the
// pager to the "pager" partial: {{template "pager" .Data.Pager}}.
type Pager struct {
	Page, PerPage, Total int
	lang                 string
	base                 url.Values
	path                 string
}

// maxPage is the largest page number a request may ask for.
const maxPage = 1_000_000

// newPager reads ?page from r. Other query parameters are kept in links
// (never put an ID number in a query: search forms holding one use POST).
func newPager(r *http.Request, perPage int) *Pager {
	p, _ := strconv.Atoi(r.URL.Query().Get("page"))
	// A page past the last is shown as the last (by the list); a number so
	// large that its offset would overflow (and reach PostgreSQL as a
	// negative OFFSET) is cut first.
	p = min(max(p, 1), maxPage)
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "page" && k != "lang" {
			q[k] = v
		}
	}
	return &Pager{Page: p, PerPage: perPage, lang: Lang(r), base: q, path: r.URL.Path}
}

// Limit is the number of rows on a page.
func (p *Pager) Limit() int { return p.PerPage }

// Offset is the number of rows before this page.
func (p *Pager) Offset() int { return (p.Page - 1) * p.PerPage }

// Pages is the number of pages (at least 1).
func (p *Pager) Pages() int {
	if p.Total <= 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// HasPrev and HasNext report whether there are pages before and after.
func (p *Pager) HasPrev() bool { return p.Page > 1 }

// HasNext reports whether there is a page after this one.
func (p *Pager) HasNext() bool { return p.Page < p.Pages() }

// URL returns the link to page n.
func (p *Pager) URL(n int) string {
	q := url.Values{}
	for k, v := range p.base {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	return p.path + "?" + q.Encode()
}

// PrevURL and NextURL link to the neighbouring pages.
func (p *Pager) PrevURL() string { return p.URL(p.Page - 1) }

// NextURL links to the next page.
func (p *Pager) NextURL() string { return p.URL(p.Page + 1) }

// ExportURL links to the same list as an Excel file (?format=xlsx).
func (p *Pager) ExportURL() string {
	q := url.Values{}
	for k, v := range p.base {
		q[k] = v
	}
	q.Set("format", "xlsx")
	return p.path + "?" + q.Encode()
}

// Label is "第 2 / 5 页，共 93 条" or "Page 2 of 5, 93 rows".
func (p *Pager) Label() string {
	return fmt.Sprintf(translate(p.lang, "pager.page"), p.Page, p.Pages(), p.Total)
}

// T translates a catalogue key in the pager's language (for the partial).
func (p *Pager) T(key string) string { return translate(p.lang, key) }
