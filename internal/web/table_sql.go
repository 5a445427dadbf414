package web

import (
	"net/http"
	"slices"
)

// Helpers for lists the service sorts and pages (SQLOrder): the columns
// are declared once as Column values (header and Excel cells); the sortable
// keys are the service's whitelist, not Column.Order.

// sqlHeads is the header of cols (NoHead columns left out), sortable where
// the key is one of sortable.
func sqlHeads[T any](cols []Column[T], sortable ...string) []colHead {
	out := make([]colHead, 0, len(cols))
	for _, c := range cols {
		if !c.NoHead {
			out = append(out, colHead{Key: c.Key, Zh: c.Zh, En: c.En, Num: c.Num, Sortable: slices.Contains(sortable, c.Key)})
		}
	}
	return out
}

// newSQLOrderDesc is newSQLOrder for a list whose default is descending
// (newest first): without a valid ?sort the default key sorts descending.
func newSQLOrderDesc(r *http.Request, cols []colHead, def string) SQLOrder {
	o := newSQLOrder(r, cols, def)
	k := r.URL.Query().Get("sort")
	if !slices.ContainsFunc(cols, func(c colHead) bool { return c.Sortable && c.Key == k }) {
		o.Key, o.Desc = def, true
		o.Head = headCells(r, Lang(r), o.Key, o.Desc, cols)
	}
	return o
}

// exportRows sends rows (already in the page's order) as Excel with the
// cells of cols.
func exportRows[T any](w http.ResponseWriter, r *http.Request, cols []Column[T], rows []T, filename, sheet string) error {
	return (&List[T]{All: rows, cols: cols, lang: Lang(r)}).Export(w, filename, sheet)
}
