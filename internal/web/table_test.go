package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

type tableRow struct {
	Name string
	N    int
}

func tableCols() []Column[tableRow] {
	return []Column[tableRow]{
		{Key: "name", Zh: "姓名", En: "Name", Value: func(r tableRow) any { return r.Name }, Order: byString(func(r tableRow) string { return r.Name })},
		{Key: "n", Zh: "数", En: "N", Num: true, Value: func(r tableRow) any { return r.N }, Order: byInt(func(r tableRow) int { return r.N })},
		{Key: "note", Zh: "备注", En: "Note"}, // neither sortable nor exported
	}
}

func TestListSortsPagesAndWhitelists(t *testing.T) {
	rows := []tableRow{{"丙", 2}, {"甲", 3}, {"乙", 1}, {"丁", 5}, {"戊", 4}}
	names := func(l *List[tableRow]) string {
		var s []string
		for _, r := range l.Rows {
			s = append(s, r.Name)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct{ query, want, sort0, sort1 string }{
		{"", "丙,甲", "none", "none"},                           // service order, first page of 2
		{"?sort=n", "乙,丙", "none", "ascending"},               // by n
		{"?sort=n&dir=desc", "丁,戊", "none", "descending"},     // by n, descending
		{"?sort=n&page=3", "丁", "none", "ascending"},          // last page
		{"?sort=n&page=9", "丁", "none", "ascending"},          // past the end: the last page
		{"?sort=note", "丙,甲", "none", "none"},                 // not sortable: ignored
		{"?sort=name%3B+DROP+TABLE+x", "丙,甲", "none", "none"}, // anything else: ignored
	} {
		r := httptest.NewRequest("GET", "/x"+tc.query, nil)
		l := newList(r, "t", tableCols(), rows, "", 2)
		if got := names(l); got != tc.want {
			t.Errorf("%s: rows %s, want %s", tc.query, got, tc.want)
		}
		if len(l.Head) != 3 || l.Head[0].Sort != tc.sort0 || l.Head[1].Sort != tc.sort1 || l.Head[2].Sortable {
			t.Errorf("%s: head %+v", tc.query, l.Head)
		}
		if len(l.All) != len(rows) || l.Pager.Total != len(rows) {
			t.Errorf("%s: all %d, total %d", tc.query, len(l.All), l.Pager.Total)
		}
	}
	// The header links keep the filters, drop the page, and flip the direction.
	r := httptest.NewRequest("GET", "/x?q=a&sort=n&page=2", nil)
	l := newList(r, "t", tableCols(), rows, "", 2)
	if h := l.Head[1].Href; !strings.Contains(h, "q=a") || !strings.Contains(h, "dir=desc") || strings.Contains(h, "page=") {
		t.Errorf("sort link %q", h)
	}
	if h := l.Head[0].Href; strings.Contains(h, "dir=desc") {
		t.Errorf("another column's link %q sorts descending", h)
	}
	// The export has the exported columns, every row, in the list's order.
	rec := httptest.NewRecorder()
	r = httptest.NewRequest("GET", "/x?sort=n&dir=desc&format=xlsx", nil)
	if err := newList(r, "t", tableCols(), rows, "", 2).Export(rec, "t", "S"); err != nil {
		t.Fatal(err)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") || rec.Body.Len() < 100 {
		t.Errorf("export: %s, %d bytes", ct, rec.Body.Len())
	}
}
