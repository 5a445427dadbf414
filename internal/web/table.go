package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
)

// The list helper: every main list of the console is sortable (by a
// whitelisted column, on the server), paginated and exportable to Excel
// with the same rows in the same order.
//
//	cols := []Column[claims.Claim]{
//		{Key: "id", Zh: "编号", En: "No.", Value: func(c claims.Claim) any { return c.ID }},
//		{Key: "bill", Zh: "费用总额", En: "Bill", Num: true, Value: func(c claims.Claim) any { return c.BillTotal.String() },
//			Order: func(a, b claims.Claim) int { return cmp.Compare(a.BillTotal, b.BillTotal) }},
//	}
//	t := newList(r, "claim-list", cols, rows, "id", 50)
//	if wantsXLSX(r) { return t.Export(w, "claims", "报销") }
//	... View{Data: v{Table: t}} ...
//
// In the template: <table id="{{.Data.Table.ID}}">{{template "thead" .Data.Table}}
// <tbody>{{range .Data.Table.Rows}}…{{end}}</tbody></table>{{template "pager" .Data.Table.Pager}}.
//
// Only a column's Key ever comes from the request (?sort=key&dir=desc),
// and only when the column declares an order: nothing of the request
// reaches SQL. Lists too long to hold in memory are sorted by the service
// (pass the key to a whitelisted ORDER BY there) and use SQLOrder.

// Column is one column of a list.
type Column[T any] struct {
	Key    string
	Zh, En string
	Num    bool             // right-aligned number or amount
	Value  func(T) any      // the Excel cell (money as its exact decimal string); nil: not exported
	Order  func(a, b T) int // nil: not sortable (cmp.Compare-like)
	NoHead bool             // exported, not shown as a header (shown inside another column)
}

// HeadCell is one header cell as the "thead" partial draws it.
type HeadCell struct {
	Label    string
	Href     string // sort link ("" when not sortable)
	Sort     string // aria-sort: "ascending", "descending" or "none"
	Num      bool
	Sortable bool
}

// List is a sorted, paginated list ready for a template.
type List[T any] struct {
	ID    string // the table element's id
	Rows  []T    // this page's rows, in order
	All   []T    // every row, in order (for the export)
	Head  []HeadCell
	Pager *Pager
	cols  []Column[T]
	lang  string
	key   string
	desc  bool
}

// sortParams reads ?sort and ?dir: the key is kept only if allowed.
func sortParams(r *http.Request, allowed func(string) bool, def string) (key string, desc bool) {
	q := r.URL.Query()
	key, desc = q.Get("sort"), q.Get("dir") == "desc"
	if key == "" || !allowed(key) {
		key, desc = def, false
		if d := q.Get("dir"); d == "desc" && q.Get("sort") == "" {
			desc = true
		}
	}
	return key, desc
}

// newList sorts rows by the requested column (or def), keeps the page the
// request asks for and builds the header links. perPage 0 shows all rows
// on one page.
func newList[T any](r *http.Request, id string, cols []Column[T], rows []T, def string, perPage int) *List[T] {
	byKey := map[string]*Column[T]{}
	for i := range cols {
		if cols[i].Order != nil {
			byKey[cols[i].Key] = &cols[i]
		}
	}
	key, desc := sortParams(r, func(k string) bool { return byKey[k] != nil }, def)
	all := slices.Clone(rows)
	if c := byKey[key]; c != nil {
		slices.SortStableFunc(all, func(a, b T) int {
			if desc {
				return c.Order(b, a)
			}
			return c.Order(a, b)
		})
	}
	if perPage <= 0 {
		perPage = max(len(all), 1)
	}
	pg := newPager(r, perPage)
	pg.Total = len(all)
	if pg.Page > pg.Pages() {
		pg.Page = pg.Pages()
	}
	lo := min(pg.Offset(), len(all))
	hi := min(lo+pg.Limit(), len(all))
	t := &List[T]{ID: id, Rows: all[lo:hi], All: all, Pager: pg, cols: cols, lang: Lang(r), key: key, desc: desc}
	t.Head = headCells(r, t.lang, key, desc, colHeads(cols))
	return t
}

// colHead is what the header needs of a column.
type colHead struct {
	Key, Zh, En   string
	Num, Sortable bool
}

func colHeads[T any](cols []Column[T]) []colHead {
	out := make([]colHead, 0, len(cols))
	for _, c := range cols {
		if !c.NoHead {
			out = append(out, colHead{Key: c.Key, Zh: c.Zh, En: c.En, Num: c.Num, Sortable: c.Order != nil})
		}
	}
	return out
}

// headCells builds the header: each sortable column links to itself
// sorted ascending, or descending when it is the ascending sort now.
func headCells(r *http.Request, lang, key string, desc bool, cols []colHead) []HeadCell {
	base := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "sort" && k != "dir" && k != "page" && k != "lang" && k != "format" {
			base[k] = v
		}
	}
	out := make([]HeadCell, 0, len(cols))
	for _, c := range cols {
		h := HeadCell{Label: c.Zh, Num: c.Num, Sortable: c.Sortable, Sort: "none"}
		if lang == "en" {
			h.Label = c.En
		}
		if c.Sortable {
			q := url.Values{}
			for k, v := range base {
				q[k] = v
			}
			q.Set("sort", c.Key)
			if c.Key == key && !desc {
				q.Set("dir", "desc")
			}
			h.Href = r.URL.Path + "?" + q.Encode()
			if c.Key == key {
				h.Sort = "ascending"
				if desc {
					h.Sort = "descending"
				}
			}
		}
		out = append(out, h)
	}
	return out
}

// Export sends every row, in the list's order, as an Excel file.
func (t *List[T]) Export(w http.ResponseWriter, filename, sheet string) error {
	x := Table{Sheet: sheet}
	for _, c := range t.cols {
		if c.Value == nil {
			continue
		}
		if t.lang == "en" {
			x.Header = append(x.Header, c.En)
		} else {
			x.Header = append(x.Header, c.Zh)
		}
	}
	for _, row := range t.All {
		cells := make([]any, 0, len(x.Header))
		for _, c := range t.cols {
			if c.Value != nil {
				cells = append(cells, c.Value(row))
			}
		}
		x.Rows = append(x.Rows, cells)
	}
	return writeXLSX(w, filename, x)
}

// Cols is the number of header cells (for an empty row's colspan).
func (t *List[T]) Cols() int { return len(t.Head) }

// SQLOrder is the sort of a list the service sorts and pages itself: the
// caller maps Key (already one of allowed) to its whitelisted ORDER BY.
type SQLOrder struct {
	Key  string
	Desc bool
	Head []HeadCell
}

// newSQLOrder reads ?sort/?dir against the allowed keys (def when absent)
// and builds the header links for cols.
func newSQLOrder(r *http.Request, cols []colHead, def string) SQLOrder {
	ok := map[string]bool{}
	for _, c := range cols {
		if c.Sortable {
			ok[c.Key] = true
		}
	}
	key, desc := sortParams(r, func(k string) bool { return ok[k] }, def)
	return SQLOrder{Key: key, Desc: desc, Head: headCells(r, Lang(r), key, desc, cols)}
}

// Helpers for Column.Order.

func byString[T any](f func(T) string) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(f(a), f(b)) }
}

func byInt[T any, N cmp.Ordered](f func(T) N) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(f(a), f(b)) }
}
