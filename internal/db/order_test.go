package db

import "testing"

func TestOrderBy(t *testing.T) {
	orders := map[string]string{"id": "id", "user": "username", "at": "CASE WHEN a THEN b ELSE c END"}
	for _, tc := range []struct {
		key   string
		desc  bool
		want  string
		known bool
	}{
		{"user", false, "username, id", true},
		{"user", true, "username DESC, id DESC", true},
		{"id", true, "id DESC", true}, // the tie itself: not twice
		{"at", false, "CASE WHEN a THEN b ELSE c END, id", true},
		{"username; DROP TABLE x", false, "", false}, // a column name that is not a key
		{"", true, "", false},
	} {
		got, ok := OrderBy(orders, tc.key, tc.desc, "id")
		if got != tc.want || ok != tc.known {
			t.Errorf("OrderBy(%q, %v) = %q, %v; want %q, %v", tc.key, tc.desc, got, ok, tc.want, tc.known)
		}
	}
}
