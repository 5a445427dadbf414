package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// listCase is one request of a list's sort test: the query, the data-id
// of the rows the page must show, and the sorted column's header it must
// carry ("" when no column may be marked sorted).
type listCase struct {
	query string
	want  []string
	aria  string
}

// checkListSort requests path+query as c for every case and checks the
// rows shown and that exactly the expected header (or none) is sorted.
func checkListSort(t *testing.T, c *client, path string, cases []listCase) {
	t.Helper()
	for _, tc := range cases {
		r := c.get(path + tc.query)
		if got := dataIDs(r.Body); r.Status != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("%s%s: %d, rows %v, want %v", path, tc.query, r.Status, got, tc.want)
		}
		sorted := strings.Count(r.Body, `aria-sort="ascending"`) + strings.Count(r.Body, `aria-sort="descending"`)
		if tc.aria == "" && sorted != 0 || tc.aria != "" && (sorted != 1 || !strings.Contains(r.Body, tc.aria)) {
			t.Errorf("%s%s: header lacks %q", path, tc.query, tc.aria)
		}
	}
}

// TestUsersListSort: the users list sorts in memory by a column both ways
// (default and unknown key: by username), pages by 50 (past the end: the
// last page), keeps the search, and exports the same rows in the same
// order.
func TestUsersListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		type u struct{ id, username, name string }
		all := []u{}
		for i := range 54 {
			name := fmt.Sprintf("z%02d", (i*17)%54) // display names in another order than usernames
			us, _, err := a.auth.CreateUser(a.sys(), authInput(fmt.Sprintf("u%02d", i), name, a.county))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, u{strconv.FormatInt(us.ID, 10), us.Username, name})
		}
		var adminID, adminName string
		if err := d.QueryRowContext(a.sys(), `SELECT CAST(id AS TEXT), display_name FROM users WHERE username = 'admin'`).Scan(&adminID, &adminName); err != nil {
			t.Fatal(err)
		}
		all = append(all, u{adminID, "admin", adminName})
		ids := func(s []u) []string {
			out := make([]string, len(s))
			for i, x := range s {
				out[i] = x.id
			}
			return out
		}
		byUser := slices.Clone(all)
		slices.SortFunc(byUser, func(x, y u) int { return strings.Compare(x.username, y.username) })
		byName := slices.Clone(byUser) // ties (none expected) by username
		slices.SortStableFunc(byName, func(x, y u) int { return strings.Compare(x.name, y.name) })
		byUsername := `aria-sort="ascending"><a class="sort sort-ascending" href="/admin/users?dir=desc&amp;sort=username"`
		checkListSort(t, admin, "/admin/users", []listCase{
			{"", ids(byUser)[:50], byUsername},
			{"?page=2", ids(byUser)[50:], `aria-sort="ascending"`},
			{"?page=9", ids(byUser)[50:], `aria-sort="ascending"`},
			{"?sort=name", ids(byName)[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/admin/users?dir=desc&amp;sort=name"`},
			{"?sort=name&page=2", ids(byName)[50:], `aria-sort="ascending"`},
			{"?sort=name&dir=desc", reversed(ids(byName))[:50], `aria-sort="descending"><a class="sort sort-descending" href="/admin/users?sort=name"`},
			{"?sort=username&dir=desc", reversed(ids(byUser))[:50], `aria-sort="descending"`},
			{"?sort=name%3B+DROP+TABLE+users", ids(byUser)[:50], byUsername},
		})
		// The search stays: u1x only, by name descending, in the export too.
		var want []string
		for _, x := range slices.Backward(byName) {
			if strings.HasPrefix(x.username, "u1") {
				want = append(want, x.username)
			}
		}
		x := xlsxRows(t, admin.get("/admin/users?q=u1&sort=name&dir=desc&format=xlsx"))
		if len(x) != 11 || !slices.Equal(column(x, 0), want) {
			t.Fatalf("export = %v, want usernames %v", x, want)
		}
		if got := column(x, 1); !slices.IsSortedFunc(got, func(p, q string) int { return strings.Compare(q, p) }) {
			t.Errorf("export names not descending: %v", got)
		}
	})
}

// authInput is a county user of role Enrollment with password "user-pass-1".
func authInput(username, name string, area int64) auth.UserInput {
	return auth.UserInput{Username: username, DisplayName: name, Role: access.Enrollment, AreaID: area, Password: "user-pass-1"}
}
