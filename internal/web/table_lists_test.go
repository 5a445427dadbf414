package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"ncms/internal/access"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
	"ncms/internal/notice/noticetest"
	"ncms/internal/registry"
)

// xlsxRows reads the first sheet of an Excel answer.
func xlsxRows(t *testing.T, r resp) [][]string {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	x, err := excelize.OpenReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// column is the cells of column i below the header.
func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows[1:] {
		if i < len(r) {
			out = append(out, r[i])
		} else {
			out = append(out, "")
		}
	}
	return out
}

// reversed is a copy of s backwards.
func reversed[T any](s []T) []T {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestAuditListSort: the audit trail sorts in SQL by a whitelisted column
// both ways (default newest first; an unknown key falls back to it), pages
// of 50, exports the same rows in the same order, and stays county-wide.
func TestAuditListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		// Five rows of object "probe" by different users, 53 of object "bulk".
		users := []string{"carol", "alice", "erin", "bob", "dave"}
		actions := []string{"probe.c", "probe.e", "probe.a", "probe.d", "probe.b"}
		err := d.InTx(a.sys(), func(tx *db.Tx) error {
			for i, u := range users {
				ctx := access.WithActor(a.sys(), access.Actor{Username: u, Role: access.Admin})
				if err := audit.Record(ctx, tx, actions[i], "probe", i+1, nil, map[string]int{"n": i}); err != nil {
					return err
				}
			}
			for i := range 53 {
				if err := audit.Record(a.sys(), tx, "bulk.make", "bulk", i+1, nil, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		idRE := regexp.MustCompile(`<tr data-id="(\d+)">`)
		ids := func(body string) []int64 {
			var out []int64
			for _, m := range idRE.FindAllStringSubmatch(body, -1) {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				out = append(out, n)
			}
			return out
		}
		// The probe rows as stored: id → user and action.
		var probe []int64 // ascending ids
		user, action := map[int64]string{}, map[int64]string{}
		rows, err := d.QueryContext(a.sys(), `SELECT id, username, action FROM audit_log WHERE object_type = 'probe' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var u, ac string
			if err := rows.Scan(&id, &u, &ac); err != nil {
				t.Fatal(err)
			}
			probe, user[id], action[id] = append(probe, id), u, ac
		}
		rows.Close()
		sortedBy := func(m map[int64]string) []int64 {
			out := slices.Clone(probe)
			slices.SortFunc(out, func(x, y int64) int { return strings.Compare(m[x], m[y]) })
			return out
		}
		base := "/audit?object_type=probe"
		checkSorts(t, admin, base, ids, []sortCase[int64]{
			{"", reversed(probe), `aria-sort="descending"><a class="sort sort-descending" href="/audit?object_type=probe&amp;sort=id"`},
			{"&sort=id", probe, `aria-sort="ascending"><a class="sort sort-ascending" href="/audit?dir=desc&amp;object_type=probe&amp;sort=id"`},
			{"&sort=user", sortedBy(user), `aria-sort="ascending"><a class="sort sort-ascending" href="/audit?dir=desc&amp;object_type=probe&amp;sort=user"`},
			{"&sort=user&dir=desc", reversed(sortedBy(user)), `aria-sort="descending"`},
			{"&sort=action", sortedBy(action), `aria-sort="ascending"`},
			{"&sort=action&dir=desc", reversed(sortedBy(action)), `aria-sort="descending"`},
			{"&sort=before", reversed(probe), `aria-sort="descending"><a class="sort sort-descending" href="/audit?object_type=probe&amp;sort=id"`},
			{"&sort=id%3B+DROP+TABLE+audit_log", reversed(probe), `aria-sort="descending"`},
		})
		// Pages of 50 of the 53 bulk rows, oldest first; past the end: the last page.
		first := admin.get("/audit?object_type=bulk&sort=id")
		second := admin.get("/audit?object_type=bulk&sort=id&page=2")
		past := admin.get("/audit?object_type=bulk&sort=id&page=9")
		p1, p2 := ids(first.Body), ids(second.Body)
		if len(p1) != 50 || len(p2) != 3 || p1[49] >= p2[0] || !slices.IsSorted(append(p1, p2...)) || !slices.Equal(ids(past.Body), p2) {
			t.Errorf("pages: %d + %d rows, past the end %v", len(p1), len(p2), ids(past.Body))
		}
		if !strings.Contains(second.Body, "第 2 / 2 页，共 53 条") || !strings.Contains(first.Body, `href="/audit?object_type=bulk&amp;page=2&amp;sort=id"`) {
			t.Errorf("pager: %s", second.Body)
		}
		if strings.Contains(first.Body, `id="audit-cap"`) {
			t.Error("cap hinted below the cap")
		}
		// Over the cap: the pages and the file hold the first auditMax rows of the order.
		func() {
			defer func(n int) { auditMax = n }(auditMax)
			auditMax = 52
			second := admin.get("/audit?object_type=bulk&sort=id&dir=desc&page=2")
			// Newest first: the 52 newest of 53, the oldest (p1[0]) left out.
			if got := ids(second.Body); !slices.Equal(got, []int64{p1[2], p1[1]}) || !strings.Contains(second.Body, `id="audit-cap"`) {
				t.Errorf("capped second page: %v", got)
			}
			x := xlsxRows(t, admin.get("/audit?object_type=bulk&sort=id&dir=desc&format=xlsx"))
			if len(x) != 53 || x[1][0] != strconv.FormatInt(p2[2], 10) || x[52][0] != strconv.FormatInt(p1[1], 10) {
				t.Errorf("capped export: %d rows, first %v, last %v", len(x), x[1], x[len(x)-1])
			}
		}()
		// The export: every row of the filter, in the page's order.
		x := xlsxRows(t, admin.get(base+"&sort=user&dir=desc&format=xlsx"))
		want := reversed(sortedBy(user))
		var wantUsers []string
		for _, id := range want {
			wantUsers = append(wantUsers, user[id])
		}
		if len(x) != 6 || x[0][2] != "用户名" || !slices.Equal(column(x, 2), wantUsers) || column(x, 0)[0] != strconv.FormatInt(want[0], 10) {
			t.Errorf("export rows = %v", x)
		}
		if x := xlsxRows(t, admin.get("/audit?object_type=bulk&sort=id&format=xlsx")); len(x) != 54 {
			t.Errorf("bulk export: %d rows", len(x))
		}
		// Scope: the trail is county-wide only.
		reg := registry.New(d, registry.Options{})
		town, err := reg.CreateArea(a.sys(), registry.AreaInput{ParentID: a.county, Name: "龙场镇"})
		if err != nil {
			t.Fatal(err)
		}
		a.addUser(t, "aud.county", access.Auditor, a.county)
		a.addUser(t, "clerk.town", access.Enrollment, town.ID)
		if r := a.client(t).login("aud.county", "user-pass-1").get(base + "&sort=user"); r.Status != 200 || len(ids(r.Body)) != 5 {
			t.Errorf("county auditor: %d", r.Status)
		}
		for _, path := range []string{base, base + "&format=xlsx"} {
			if r := a.client(t).login("clerk.town", "user-pass-1").get(path); r.Status != http.StatusForbidden {
				t.Errorf("township clerk %s: %d", path, r.Status)
			}
		}
	})
}

// TestPersonSearchSort: the person search sorts in SQL by a whitelisted
// column both ways (unknown key: by name), pages of 20, exports the same
// rows in the same order with ID numbers masked, and a township clerk sees
// only the township's people on the page and in the file.
func TestPersonSearchSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		reg := registry.New(d, registry.Options{})
		ctx := a.sys()
		mk := func(parent int64, name string) registry.Area {
			ar, err := reg.CreateArea(ctx, registry.AreaInput{ParentID: parent, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			return ar
		}
		townA, townB := mk(a.county, "龙场镇"), mk(a.county, "扎佐镇")
		villA, villB := mk(townA.ID, "红星村"), mk(townB.ID, "新华村")
		type person struct{ name, id, birth string }
		add := func(vill registry.Area, n int, name string) person {
			birth := civil.New(1950+n*2, time.Month(1+n%12), 1+n%27)
			id := idcard.Generate("520222", birth, 100+n, n%2 == 0)
			sex := idcard.Female
			if n%2 == 0 {
				sex = idcard.Male
			}
			if _, err := reg.RegisterHousehold(ctx, registry.HouseholdInput{AreaID: vill.ID, Address: "1号",
				Members: []registry.PersonInput{{IDNumber: id, Name: name, Sex: sex, BirthDate: birth, Relation: "户主"}}}); err != nil {
				t.Fatalf("register %s: %v", name, err)
			}
			return person{name, id, birth.String()}
		}
		// 22 people in township A, born in an order unlike their registration.
		var inA []person
		for i := range 22 {
			n := (i * 7) % 22
			inA = append(inA, add(villA, n, fmt.Sprintf("张%c", '甲'+rune(i))))
		}
		inB := []person{add(villB, 30, "李一"), add(villB, 31, "李二")}
		a.addUser(t, "clerk.a", access.Enrollment, townA.ID)
		a.addUser(t, "clerk.b", access.Enrollment, townB.ID)
		ca := a.client(t).login("clerk.a", "user-pass-1")
		cb := a.client(t).login("clerk.b", "user-pass-1")
		nameRE := regexp.MustCompile(`<td><a href="/persons/\d+">([^<]+)</a></td>`)
		names := func(body string) []string {
			var out []string
			for _, m := range nameRE.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		byBirth := slices.Clone(inA)
		slices.SortFunc(byBirth, func(x, y person) int { return strings.Compare(x.birth, y.birth) })
		var birthNames []string
		for _, p := range byBirth {
			birthNames = append(birthNames, p.name)
		}
		checkSorts(t, ca, "/persons?all=1", names, []sortCase[string]{
			{"&sort=birth", birthNames[:20], `aria-sort="ascending"><a class="sort sort-ascending" href="/persons?all=1&amp;dir=desc&amp;sort=birth"`},
			{"&sort=birth&page=2", birthNames[20:], `aria-sort="ascending"`},
			{"&sort=birth&dir=desc", reversed(birthNames)[:20], `aria-sort="descending"><a class="sort sort-descending" href="/persons?all=1&amp;sort=birth"`},
			{"&sort=birth&dir=desc&page=2", reversed(birthNames)[20:], `aria-sort="descending"`},
		})
		// Unknown or unsortable keys: the default order (by name).
		def := ca.get("/persons?all=1")
		if !strings.Contains(def.Body, `aria-sort="ascending"><a class="sort sort-ascending" href="/persons?all=1&amp;dir=desc&amp;sort=name"`) || len(names(def.Body)) != 20 {
			t.Errorf("default order header / rows: %v", names(def.Body))
		}
		for _, q := range []string{"&sort=id_number&dir=desc", "&sort=p.name%3B+DROP+TABLE+persons"} {
			if r := ca.get("/persons?all=1" + q); !slices.Equal(names(r.Body), names(def.Body)) {
				t.Errorf("%s: %v, want the default %v", q, names(r.Body), names(def.Body))
			}
		}
		// Descending by household number: the later registrations first.
		var hh []string
		for _, m := range regexp.MustCompile(`<td><a href="/households/\d+">([^<]+)</a></td>`).FindAllStringSubmatch(ca.get("/persons?all=1&sort=household&dir=desc").Body, -1) {
			hh = append(hh, m[1])
		}
		if len(hh) != 20 || !slices.IsSortedFunc(hh, func(x, y string) int { return strings.Compare(y, x) }) {
			t.Errorf("by household, descending: %v", hh)
		}
		// The export: all 22 rows in the page's order, IDs masked.
		r := ca.get("/persons?all=1&sort=birth&dir=desc&format=xlsx")
		x := xlsxRows(t, r)
		if len(x) != 23 || x[0][1] != "身份证号" || !slices.Equal(column(x, 0), reversed(birthNames)) {
			t.Fatalf("export rows = %v", x)
		}
		for i, p := range reversed(byBirth) {
			if x[i+1][1] != idcard.Mask(p.id) || x[i+1][3] != p.birth {
				t.Errorf("export row %d: %v, want %s %s", i+1, x[i+1], idcard.Mask(p.id), p.birth)
			}
		}
		for _, p := range append(slices.Clone(inA), inB...) {
			if strings.Contains(xlsxText(t, r.Body), p.id) {
				t.Errorf("export holds the full ID number of %s", p.name)
			}
		}
		// Scope: township B's clerk sees and exports only B's two people.
		if got := names(cb.get("/persons?all=1&sort=birth").Body); !slices.Equal(got, []string{"李一", "李二"}) {
			t.Errorf("clerk B sees %v", got)
		}
		if x := xlsxRows(t, cb.get("/persons?all=1&sort=birth&dir=desc&format=xlsx")); !slices.Equal(column(x, 0), []string{"李二", "李一"}) {
			t.Errorf("clerk B exports %v", x)
		}
	})
}

// dataIDs are the data-id attributes of a list's rows, in order.
func dataIDs(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr data-id="(\d+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestComplaintListSort: complaints sort by a column both ways (unknown
// key: newest first), page by 50 and export the same rows in the same
// order with the contact masked.
func TestComplaintListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		a.addUser(t, "ivan", access.Inspector, a.county)
		iv := a.client(t).login("ivan", "user-pass-1")
		// 52 items; received on days that run against their numbers.
		received := map[string]string{}
		var ids []string // oldest first
		for i := range 52 {
			on := civil.New(2026, 1, 1).AddDays(60 - i).String()
			r := iv.post("/complaints", url.Values{"kind": {"tip"}, "channel": {"phone"}, "received_on": {on},
				"contact": {fmt.Sprintf("136%08d", i)}, "subject": {fmt.Sprintf("事由%02d", (i*5)%52)}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("record: %d %s", r.Status, r.Body)
			}
			id := r.Location[strings.LastIndex(r.Location, "/")+1:]
			ids, received[id] = append(ids, id), on
		}
		byReceived := slices.Clone(ids)
		slices.SortStableFunc(byReceived, func(x, y string) int { return strings.Compare(received[x], received[y]) })
		checkSorts(t, iv, "/complaints", dataIDs, []sortCase[string]{
			{"", reversed(ids)[:50], ""},
			{"?page=2", reversed(ids)[50:], ""},
			{"?sort=received", byReceived[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/complaints?dir=desc&amp;sort=received"`},
			{"?sort=received&page=2", byReceived[50:], `aria-sort="ascending"`},
			{"?sort=received&dir=desc", reversed(byReceived)[:50], `aria-sort="descending"><a class="sort sort-descending" href="/complaints?sort=received"`},
			{"?sort=id", ids[:50], `aria-sort="ascending"`},
			{"?sort=contact&dir=desc", reversed(ids)[:50], ""},            // shown, not sortable
			{"?sort=id%3B+DROP+TABLE+complaints", reversed(ids)[:50], ""}, // unknown
		})
		x := xlsxRows(t, iv.get("/complaints?sort=received&dir=desc&format=xlsx"))
		if len(x) != 53 || x[0][0] != "#" || !slices.Equal(column(x, 0), reversed(byReceived)) {
			t.Fatalf("export rows = %v", x)
		}
		for i, id := range reversed(byReceived) {
			if x[i+1][2] != received[id] || !strings.HasPrefix(x[i+1][4], "136****") {
				t.Errorf("export row %d: %v", i+1, x[i+1])
			}
		}
		// A status filter holds in the file too.
		if x := xlsxRows(t, iv.get("/complaints?status=assigned&format=xlsx")); len(x) != 1 {
			t.Errorf("assigned export: %v", x)
		}
	})
}

// TestDeductionListSort: deductions sort by a column both ways (unknown
// key: newest first), page by 50 and export the same rows in the same
// order; an institution sees only its own, on the page and in the file.
func TestDeductionListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a, _ := newSandboxApp(t, d)
		town := a.addDeskClerk(t, "desk.town", "township")
		county := a.addDeskClerk(t, "desk.county", "county")
		a.addUser(t, "fin1", access.Finance, a.county)
		fin := a.client(t).login("fin1", "user-pass-1")
		amount := map[string]string{}
		var ids, townIDs []string // oldest first
		for i := range 53 {
			inst := county
			if i%3 == 0 {
				inst = town
			}
			amt := fmt.Sprintf("%d.%02d", (i*37)%100+1, i)
			r := fin.post("/statements/deductions", url.Values{"institution_id": {strconv.FormatInt(inst, 10)}, "amount": {amt},
				"reason": {"挂床"}, "source_type": {"review"}, "found_on": {civil.New(2026, 3, 1).AddDays(i % 7).String()}})
			if r.Status != http.StatusSeeOther {
				t.Fatalf("add: %d %s", r.Status, r.Body)
			}
			var id string
			if err := d.QueryRowContext(a.sys(), `SELECT CAST(MAX(id) AS TEXT) FROM deductions`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids, amount[id] = append(ids, id), amt
			if inst == town {
				townIDs = append(townIDs, id)
			}
		}
		fen := func(s string) int {
			var y, f int
			fmt.Sscanf(s, "%d.%d", &y, &f)
			return y*100 + f
		}
		byAmount := slices.Clone(ids)
		slices.SortFunc(byAmount, func(x, y string) int { return fen(amount[x]) - fen(amount[y]) })
		checkSorts(t, fin, "/statements/deductions", dataIDs, []sortCase[string]{
			{"", reversed(ids)[:50], ""},
			{"?page=2", reversed(ids)[50:], ""},
			{"?sort=amount", byAmount[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/statements/deductions?dir=desc&amp;sort=amount"`},
			{"?sort=amount&page=2", byAmount[50:], `aria-sort="ascending"`},
			{"?sort=amount&dir=desc", reversed(byAmount)[:50], `aria-sort="descending"><a class="sort sort-descending" href="/statements/deductions?sort=amount"`},
			{"?sort=reason&dir=desc", reversed(ids)[:50], ""},                 // shown, not sortable
			{"?sort=amount%3B+DROP+TABLE+deductions", reversed(ids)[:50], ""}, // unknown
		})
		x := xlsxRows(t, fin.get("/statements/deductions?sort=amount&dir=desc&format=xlsx"))
		var wantAmounts []string
		for _, id := range reversed(byAmount) {
			wantAmounts = append(wantAmounts, amount[id])
		}
		if len(x) != 54 || x[0][2] != "金额" || !slices.Equal(column(x, 2), wantAmounts) {
			t.Fatalf("export rows = %v", x)
		}
		// The filter holds in the file; an institution sees its own only.
		if x := xlsxRows(t, fin.get("/statements/deductions?institution_id="+strconv.FormatInt(town, 10)+"&format=xlsx")); len(x) != len(townIDs)+1 {
			t.Errorf("filtered export: %d rows, want %d", len(x)-1, len(townIDs))
		}
		desk := a.client(t).login("desk.town", "user-pass-1")
		if got := dataIDs(desk.get("/statements/deductions?sort=id").Body); !slices.Equal(got, reversed(townIDs)) {
			t.Errorf("institution sees %v, want %v", got, reversed(townIDs))
		}
		if x := xlsxRows(t, desk.get("/statements/deductions?sort=amount&format=xlsx")); len(x) != len(townIDs)+1 {
			t.Errorf("institution export: %d rows, want %d", len(x)-1, len(townIDs))
		}
	})
}

// TestBatchListSort: bank batches sort by a column both ways (unknown key:
// newest first), page by 50 and export the same rows in the same order.
// The list reads batch headers only, so the test writes 53 headers
// directly (making real batches needs approved statements, see
// TestBatchPagesEndToEnd).
func TestBatchListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		a.addUser(t, "fin1", access.Finance, a.county)
		fin := a.client(t).login("fin1", "user-pass-1")
		total := map[string]int64{}
		var ids []string
		statuses := []string{"open", "paid", "cancelled"}
		for i := range 53 {
			tot := int64((i*37)%100+1) * 1000
			var paid any
			if statuses[i%3] == "paid" {
				paid = civil.New(2026, 4, 1).AddDays(i).String()
			}
			if _, err := d.ExecContext(a.sys(), `INSERT INTO pay_batches (status, items, total, created_at, created_by, paid_on, bank_ref)
				VALUES (?, ?, ?, ?, 'fin1', ?, ?)`, statuses[i%3], 1+i%5, tot, db.Timestamp(time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute)),
				paid, fmt.Sprintf("REF%02d", i)); err != nil {
				t.Fatal(err)
			}
			var id string
			if err := d.QueryRowContext(a.sys(), `SELECT CAST(MAX(id) AS TEXT) FROM pay_batches`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids, total[id] = append(ids, id), tot
		}
		byTotal := slices.Clone(ids)
		slices.SortFunc(byTotal, func(x, y string) int { return int(total[x] - total[y]) })
		checkSorts(t, fin, "/statements/batches", dataIDs, []sortCase[string]{
			{"", reversed(ids)[:50], ""},
			{"?page=2", reversed(ids)[50:], ""},
			{"?sort=total", byTotal[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/statements/batches?dir=desc&amp;sort=total"`},
			{"?sort=total&page=2", byTotal[50:], `aria-sort="ascending"`},
			{"?sort=total&dir=desc", reversed(byTotal)[:50], `aria-sort="descending"><a class="sort sort-descending" href="/statements/batches?sort=total"`},
			{"?sort=made", ids[:50], `aria-sort="ascending"`},
			{"?sort=open", reversed(ids)[:50], ""},                            // not sortable
			{"?sort=total%3B+DROP+TABLE+pay_batches", reversed(ids)[:50], ""}, // unknown
		})
		x := xlsxRows(t, fin.get("/statements/batches?sort=total&dir=desc&format=xlsx"))
		if len(x) != 54 || x[0][0] != "批次号" || !slices.Equal(column(x, 0), reversed(byTotal)) {
			t.Fatalf("export rows = %v", x)
		}
		for i, id := range reversed(byTotal) {
			if x[i+1][3] != fmt.Sprintf("%d.00", total[id]/100) {
				t.Errorf("export row %d: %v, want total %d fen", i+1, x[i+1], total[id])
			}
		}
	})
}

// TestNoticeListSort: the month's notices sort by a column both ways
// (unknown key: the service's order), page, export the same rows in the
// same order, and a township user sees the township's notices only.
func TestNoticeListSort(t *testing.T) {
	defer func(n int) { noticePerPage = n }(noticePerPage)
	noticePerPage = 2
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		c := noticetest.Seed(t, d)
		a.addUser(t, "fiona", access.Finance, c.County)
		a.addUser(t, "clerk.t", access.Enrollment, c.Township)
		fi := a.client(t).login("fiona", "user-pass-1")
		for _, kind := range []string{"compensation", "fund"} {
			if r := fi.post("/notices/generate", url.Values{"period": {"2026-01"}, "kind": {kind}}); r.Status != http.StatusSeeOther {
				t.Fatalf("generate %s: %d %s", kind, r.Status, r.Body)
			}
		}
		level, comp, path := map[string]int{}, map[string]int64{}, map[string]string{}
		rows, err := d.QueryContext(a.sys(), `SELECT CAST(id AS TEXT), level, kind, compensation, area_path FROM notices WHERE period = '2026-01'`)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for rows.Next() {
			var id, lv, kind, p string
			var cm int64
			if err := rows.Scan(&id, &lv, &kind, &cm, &p); err != nil {
				t.Fatal(err)
			}
			if kind != "compensation" {
				cm = -1 // blank: before every amount
			}
			all, level[id], comp[id], path[id] = append(all, id), slices.Index([]string{"county", "township", "village"}, lv), cm, p
		}
		rows.Close()
		if len(all) < 5 {
			t.Fatalf("%d notices", len(all))
		}
		// Every page of a sort, in order (past the end: the last page again).
		pages := func(cl *client, query string) []string {
			var out, last []string
			for p := 1; p <= len(all)+1; p++ {
				got := dataIDs(cl.get(fmt.Sprintf("/notices?period=2026-01%s&page=%d", query, p)).Body)
				if len(got) > noticePerPage {
					t.Errorf("%s page %d: %d rows", query, p, len(got))
				}
				if slices.Equal(got, last) {
					break
				}
				out, last = append(out, got...), got
			}
			return out
		}
		sortedBy := func(ids []string, key func(string) int64, desc bool) bool {
			return slices.IsSortedFunc(ids, func(x, y string) int {
				if desc {
					return cmp.Compare(key(y), key(x))
				}
				return cmp.Compare(key(x), key(y))
			})
		}
		lv := func(id string) int64 { return int64(level[id]) }
		cm := func(id string) int64 { return comp[id] }
		same := func(ids, want []string) bool {
			return slices.Equal(slices.Sorted(slices.Values(ids)), slices.Sorted(slices.Values(want)))
		}
		def := pages(fi, "")
		for _, tc := range []struct {
			query string
			key   func(string) int64
			desc  bool
		}{{"&sort=level", lv, false}, {"&sort=level&dir=desc", lv, true}, {"&sort=compensation", cm, false}, {"&sort=compensation&dir=desc", cm, true}} {
			got := pages(fi, tc.query)
			if !same(got, all) || !sortedBy(got, tc.key, tc.desc) {
				t.Errorf("%s: %v", tc.query, got)
			}
		}
		if !same(def, all) {
			t.Errorf("default: %v", def)
		}
		for _, q := range []string{"&sort=area_path", "&sort=level%3B+DROP+TABLE+notices&dir=desc"} {
			if got := pages(fi, q); !slices.Equal(got, def) {
				t.Errorf("%s: %v, want the default %v", q, got, def)
			}
		}
		r := fi.get("/notices?period=2026-01&sort=compensation&dir=desc")
		if !strings.Contains(r.Body, `aria-sort="descending"><a class="sort sort-descending" href="/notices?period=2026-01&amp;sort=compensation"`) ||
			!strings.Contains(r.Body, `rel="next"`) {
			t.Errorf("header or pager missing")
		}
		// The export: every notice in the page's order.
		byPage := pages(fi, "&sort=compensation&dir=desc")
		x := xlsxRows(t, fi.get("/notices?period=2026-01&sort=compensation&dir=desc&format=xlsx"))
		if len(x) != len(all)+1 || len(byPage) != len(all) || x[0][3] != "补偿金额" {
			t.Fatalf("export rows = %v", x)
		}
		for i, id := range byPage {
			want := ""
			if comp[id] >= 0 {
				want = fmt.Sprintf("%d.%02d", comp[id]/100, comp[id]%100)
			}
			if x[i+1][3] != want {
				t.Errorf("export row %d: %v, want compensation %q (notice %s)", i+1, x[i+1], want, id)
			}
		}
		// Scope: the township user's list and file hold the township's notices only.
		ct := a.client(t).login("clerk.t", "user-pass-1")
		var townPath string
		if err := d.QueryRowContext(a.sys(), `SELECT path FROM areas WHERE id = ?`, c.Township).Scan(&townPath); err != nil {
			t.Fatal(err)
		}
		var inTown []string
		for _, id := range all {
			if strings.HasPrefix(path[id], townPath) {
				inTown = append(inTown, id)
			}
		}
		if got := pages(ct, "&sort=level"); len(inTown) == 0 || len(inTown) == len(all) || !same(got, inTown) || !sortedBy(got, lv, false) {
			t.Errorf("township user sees %v, want %v", got, inTown)
		}
		if x := xlsxRows(t, ct.get("/notices?period=2026-01&format=xlsx")); len(x) != len(inTown)+1 {
			t.Errorf("township export: %d rows, want %d", len(x)-1, len(inTown))
		}
	})
}

// sortCase is one request of a list's sort test: the query, the rows the
// page must show (as rowsOf reads them) and the sorted column's header it
// must carry — "" when no column may be marked sorted.
type sortCase[T comparable] struct {
	query string
	want  []T
	aria  string
}

// checkSorts requests path+query as c for every case and checks the rows
// shown and that exactly the expected header (or none) is marked sorted.
func checkSorts[T comparable](t *testing.T, c *client, path string, rowsOf func(string) []T, cases []sortCase[T]) {
	t.Helper()
	for _, tc := range cases {
		r := c.get(path + tc.query)
		if got := rowsOf(r.Body); r.Status != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %d, rows %v, want %v", tc.query, r.Status, got, tc.want)
		}
		sorted := strings.Count(r.Body, `aria-sort="ascending"`) + strings.Count(r.Body, `aria-sort="descending"`)
		if tc.aria == "" && sorted != 0 || tc.aria != "" && (sorted != 1 || !strings.Contains(r.Body, tc.aria)) {
			t.Errorf("%s: header lacks %q", tc.query, tc.aria)
		}
	}
}

// TestPageNumberOutOfRange: a page number past the last, negative, not a
// number or too large for an offset shows a page (the first or the last),
// never an error — on PostgreSQL an overflowing offset would reach the
// query as a negative OFFSET.
func TestPageNumberOutOfRange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		for _, path := range []string{"/audit", "/persons?all=1", "/outbox", "/admin/users", "/complaints", "/catalog"} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			for _, page := range []string{"9223372036854775807", "99999999999999999999", "-3", "x"} {
				if r := admin.get(path + sep + "page=" + page + "&sort=id"); r.Status != 200 {
					t.Errorf("%s page %s: %d", path, page, r.Status)
				}
			}
		}
	})
}
