package web

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/db/dbtest/county"
)

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
		checkSorts(t, admin, "/admin/users", dataIDs, []sortCase[string]{
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

// TestTrueUpListSort: the year-end true-ups sort in memory by a column both
// ways (default and unknown key: by institution), page by 50 and export the
// same rows in the same order with the figures as decimals.
func TestTrueUpListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		a.addUser(t, "fin1", access.Finance, a.county)
		fin := a.client(t).login("fin1", "user-pass-1")
		ctx := a.sys()
		ts := "2020-01-01T00:00:00.000000Z"
		returned := map[string]int64{}
		var byCode []string // institution ids by code
		for i := range 53 {
			var id int64
			err := d.InTx(ctx, func(tx *db.Tx) error {
				var err error
				id, err = tx.InsertID(ctx, `INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since, paasid, created_at, updated_at)
					VALUES (?, ?, 'township', TRUE, TRUE, TRUE, 'active', '2020-01-01', ?, ?, ?)`,
					fmt.Sprintf("H52022200%03d", i), fmt.Sprintf("卫生院%02d", (i*7)%53), fmt.Sprintf("p%d", i), ts, ts)
				if err != nil {
					return err
				}
				ret := int64((i*29)%53+1) * 100
				_, err = tx.ExecContext(ctx, `INSERT INTO withholding_trueups (institution_id, year, base_medfee, base_selfpaid, selfpay_limit_bp,
					withheld, kept, returned, created_at, created_by) VALUES (?, 2020, 1000000, 100000, 1600, ?, 50, ?, ?, 'fin1')`, id, ret+50, ret, ts)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sid := strconv.FormatInt(id, 10)
			byCode, returned[sid] = append(byCode, sid), int64((i*29)%53+1)*100
		}
		byRet := slices.Clone(byCode)
		slices.SortFunc(byRet, func(x, y string) int { return int(returned[x] - returned[y]) })
		byInst := `aria-sort="ascending"><a class="sort sort-ascending" href="/statements/trueups?dir=desc&amp;sort=institution&amp;year=2020"`
		checkSorts(t, fin, "/statements/trueups", dataIDs, []sortCase[string]{
			{"?year=2020", byCode[:50], byInst},
			{"?year=2020&page=2", byCode[50:], `aria-sort="ascending"`},
			{"?year=2020&sort=returned", byRet[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/statements/trueups?dir=desc&amp;sort=returned&amp;year=2020"`},
			{"?year=2020&sort=returned&page=2", byRet[50:], `aria-sort="ascending"`},
			{"?year=2020&sort=returned&dir=desc", reversed(byRet)[:50], `aria-sort="descending"`},
			{"?year=2020&sort=institution&dir=desc", reversed(byCode)[:50], `aria-sort="descending"`},
			{"?year=2020&sort=returned%27--", byCode[:50], byInst},
		})
		x := xlsxRows(t, fin.get("/statements/trueups?year=2020&sort=returned&dir=desc&format=xlsx"))
		if len(x) != 54 || x[0][0] != "机构" {
			t.Fatalf("export = %v", x)
		}
		for i, id := range reversed(byRet) {
			if want := fmt.Sprintf("%d.00", returned[id]/100); x[i+1][7] != want || x[i+1][6] != "0.50" || !strings.HasPrefix(x[i+1][8], "已清算") {
				t.Errorf("export row %d: %v, want returned %s", i+1, x[i+1], want)
			}
		}
	})
}

// TestOutboxListSort: the outbox sorts and pages in SQL by a whitelisted
// column both ways (default and unknown key: newest first; ties by id),
// keeps the status filter, and exports the same rows in the same order
// with the numbers masked as on the page.
func TestOutboxListSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		a.addUser(t, "fin1", access.Finance, a.county)
		fin := a.client(t).login("fin1", "user-pass-1")
		statuses := []string{"pending", "sent", "failed"}
		attempts, status := map[string]int{}, map[string]string{}
		var ids []string // ascending
		base := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)
		for i := range 56 {
			st := statuses[i%3]
			var sent any
			if st == "sent" {
				sent = db.Timestamp(base.Add(time.Duration(i) * time.Minute))
			}
			var id int64
			err := d.InTx(a.sys(), func(tx *db.Tx) error {
				var err error
				id, err = tx.InsertID(a.sys(), `INSERT INTO outbox_messages (kind, dedupe_key, recipient, body, status, attempts, next_at, created_at, sent_at)
					VALUES ('notice_published', ?, ?, ?, ?, ?, ?, ?, ?)`, fmt.Sprintf("k%d", i), fmt.Sprintf("139%08d", i), fmt.Sprintf("正文%d", i),
					st, (i*7)%5, db.Timestamp(base.Add(time.Duration(i)*time.Minute)), db.Timestamp(base), sent)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			sid := strconv.FormatInt(id, 10)
			ids, attempts[sid], status[sid] = append(ids, sid), (i*7)%5, st
		}
		byAttempts := slices.Clone(ids) // ties by id
		slices.SortStableFunc(byAttempts, func(x, y string) int { return attempts[x] - attempts[y] })
		newest := `aria-sort="descending"><a class="sort sort-descending" href="/outbox?sort=id"`
		checkSorts(t, fin, "/outbox", dataIDs, []sortCase[string]{
			{"", reversed(ids)[:50], newest},
			{"?page=2", reversed(ids)[50:], `aria-sort="descending"`},
			{"?page=7", reversed(ids)[50:], `aria-sort="descending"`},
			{"?sort=attempts", byAttempts[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/outbox?dir=desc&amp;sort=attempts"`},
			{"?sort=attempts&page=2", byAttempts[50:], `aria-sort="ascending"`},
			{"?sort=attempts&dir=desc", reversed(byAttempts)[:50], `aria-sort="descending"`},
			{"?sort=at", ids[:50], `aria-sort="ascending"`}, // sent or next due: both follow i
			{"?sort=to", reversed(ids)[:50], newest},        // not sortable
			{"?sort=attempts%29+--", reversed(ids)[:50], newest},
		})
		var failed []string
		for _, id := range reversed(byAttempts) {
			if status[id] == "failed" {
				failed = append(failed, id)
			}
		}
		checkSorts(t, fin, "/outbox", dataIDs, []sortCase[string]{{"?status=failed&sort=attempts&dir=desc", failed, `aria-sort="descending"`}})
		x := xlsxRows(t, fin.get("/outbox?status=failed&sort=attempts&dir=desc&format=xlsx"))
		if len(x) != len(failed)+1 || x[0][0] != "#" || !slices.Equal(column(x, 0), failed) {
			t.Fatalf("export = %v, want ids %v", x, failed)
		}
		for _, row := range x[1:] {
			if !regexp.MustCompile(`^139\*{4}\d{4}$`).MatchString(row[2]) || row[4] != "failed" {
				t.Errorf("export row %v: number not masked or not failed", row)
			}
		}
	})
}

// TestStatsRecordsSort: the records behind a figure sort and page in SQL
// by a whitelisted column both ways (default and unknown key: oldest
// first), export the same rows in the same order with the name masked,
// and a township user gets its township's records only.
func TestStatsRecordsSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		ctx := a.sys()
		ins := county.New(t, d).Insert
		ts := "2026-01-01T00:00:00.000000Z"
		inst := ins(`INSERT INTO institutions (code, name, level, in_county, agreement, networked, status, status_since, paasid, created_at, updated_at)
			VALUES ('H52022200001', '县人民医院', 'county', TRUE, TRUE, TRUE, 'active', '2020-01-01', 'px', ?, ?)`, ts, ts)
		sch := ins(`INSERT INTO schemes (code, version, period_from, period_to, effective_from, status, yaml, sha256, created_at)
			VALUES ('t', 1, '2026-01-01', '2026-12-31', '2026-01-01', 'active', '', '', ?)`, ts)
		cost := map[string]int64{}
		var byDate []string // the first township's settlement ids, oldest first
		for tw, code := range []string{"520222100", "520222101"} {
			town := ins(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, 'township', ?, ?, '', ?)`, a.county, code, "镇"+code, ts)
			path := fmt.Sprintf("/%d/%d/", a.county, town)
			if _, err := d.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, path, town); err != nil {
				t.Fatal(err)
			}
			hh := ins(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, "H"+code, town, path, ts, ts)
			p := ins(`INSERT INTO persons (household_id, area_path, id_number, name, sex, birth_date, phone, relation, categories, status, created_at, updated_at)
				VALUES (?, ?, ?, '张三明', '1', '1980-01-01', '13912345678', '户主', '', 'active', ?, ?)`, hh, path, "5202221980010112"+fmt.Sprint(30+tw), ts, ts)
			n := 53
			if tw == 1 {
				n = 2
			}
			for i := range n {
				v := ins(`INSERT INTO visits (institution_id, person_id, household_id, clr_type, med_type, begin_date, end_date, diagnoses, status, created_at, updated_at)
					VALUES (?, ?, ?, '11', '11', ?, ?, 'J06.9', 'discharged', ?, ?)`, inst, p, hh, civil.New(2026, 1, 1).AddDays(i).String(), civil.New(2026, 1, 1).AddDays(i).String(), ts, ts)
				fee := int64((i*31)%53+1) * 1000
				id := ins(`INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type, clr_type, setl_date, setl_time,
					medfee_sumamt, fulamt_ownpay_amt, overlmt_selfpay, preselfpay_amt, inscp_scp_amt, act_pay_dedc, hifp_pay, hifmi_pay, maf_pay, oth_pay,
					fund_pay_sumamt, psn_part_amt, acct_pay, psn_cash_pay, hosp_part_amt, result_json)
					VALUES (?, ?, ?, ?, 2026, ?, 'outpatient', '11', '11', ?, ?, ?, 0, 0, 0, ?, 0, 100, 0, 0, 0, 100, 0, 0, 0, 0, '{}')`,
					v, inst, p, hh, sch, civil.New(2026, 1, 1).AddDays(i).String(), ts, fee, fee)
				if tw == 0 {
					sid := strconv.FormatInt(id, 10)
					byDate, cost[sid] = append(byDate, sid), fee
				}
			}
			if tw == 0 {
				u := a.addUser(t, "town1", access.Enrollment, town)
				_ = u
			}
		}
		byCost := slices.Clone(byDate)
		slices.SortFunc(byCost, func(x, y string) int { return int(cost[x] - cost[y]) })
		town := a.client(t).login("town1", "user-pass-1")
		const base = "/stats/records?year=2026"
		dateAsc := `aria-sort="ascending"><a class="sort sort-ascending" href="/stats/records?dir=desc&amp;sort=date&amp;year=2026"`
		checkSorts(t, town, base, dataIDs, []sortCase[string]{
			{"", byDate[:50], dateAsc},
			{"&page=2", byDate[50:], `aria-sort="ascending"`},
			{"&page=5", byDate[50:], `aria-sort="ascending"`},
			{"&sort=date&dir=desc", reversed(byDate)[:50], `aria-sort="descending"`},
			{"&sort=cost", byCost[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/stats/records?dir=desc&amp;sort=cost&amp;year=2026"`},
			{"&sort=cost&page=2", byCost[50:], `aria-sort="ascending"`},
			{"&sort=cost&dir=desc", reversed(byCost)[:50], `aria-sort="descending"`},
			{"&sort=person", byDate[:50], dateAsc}, // not sortable
			{"&sort=cost%2C+1", byDate[:50], dateAsc},
		})
		x := xlsxRows(t, town.get(base+"&sort=cost&dir=desc&format=xlsx"))
		if len(x) != 54 || x[0][1] != "编号" || !slices.Equal(column(x, 1), reversed(byCost)) {
			t.Fatalf("export = %v", x)
		}
		for i, id := range reversed(byCost) {
			if x[i+1][4] != "张*明" || x[i+1][7] != fmt.Sprintf("%d.00", cost[id]/100) {
				t.Errorf("export row %d: %v", i+1, x[i+1])
			}
		}
		// The county sees both townships.
		admin := a.client(t).login("admin", testAdminPW)
		if r := admin.get(base + "&page=2"); len(dataIDs(r.Body)) != 5 {
			t.Errorf("county page 2: %v", dataIDs(r.Body))
		}
	})
}

// TestOtherReportSort: the double-enrollment report sorts by a column both
// ways (default and unknown key: by area and household), keeps the
// mismatch filter, pages by 50 and exports the same rows in the same order
// with the ID numbers masked; a township clerk sees the township's people
// only.
func TestOtherReportSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		ctx := a.sys()
		ins := county.New(t, d).Insert
		ts := "2026-01-01T00:00:00.000000Z"
		b := ins(`INSERT INTO other_scheme_batches (scheme, list_date, row_count, created_at) VALUES ('urban_resident', '2026-03-01', 55, ?)`, ts)
		other, idNo := map[string]string{}, map[string]string{}
		var byHH []string // township 1's person ids by household number
		var mismatch []string
		var town1 int64
		for tw, code := range []string{"520222100", "520222101"} {
			town := ins(`INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (?, 'township', ?, ?, '', ?)`, a.county, code, "镇"+code, ts)
			path := fmt.Sprintf("/%d/%d/", a.county, town)
			if _, err := d.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, path, town); err != nil {
				t.Fatal(err)
			}
			n := 53
			if tw == 1 {
				n = 2
			} else {
				town1 = town
			}
			for i := range n {
				hh := ins(`INSERT INTO households (number, area_id, area_path, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
					fmt.Sprintf("H%d%03d", tw, (i*19)%53), town, path, ts, ts)
				no := fmt.Sprintf("52022219800101%d%03d", tw, i)
				name := fmt.Sprintf("甲%02d", i)
				p := ins(`INSERT INTO persons (household_id, area_path, id_number, name, sex, birth_date, phone, relation, categories, status, created_at, updated_at)
					VALUES (?, ?, ?, ?, '1', '1980-01-01', '', '户主', '', 'active', ?, ?)`, hh, path, no, name, ts, ts)
				on := name
				if i%4 == 0 {
					on = fmt.Sprintf("乙%02d", i)
				}
				ins(`INSERT INTO other_scheme_entries (batch_id, row_no, id_number, name, scheme) VALUES (?, ?, ?, ?, 'urban_resident')`, b, i+2, no, on)
				if tw == 0 {
					sid := strconv.FormatInt(p, 10)
					byHH, other[sid], idNo[sid] = append(byHH, sid), on, no
					if on != name {
						mismatch = append(mismatch, sid)
					}
				}
			}
		}
		hh := map[string]int{}
		for i, id := range byHH {
			hh[id] = (i * 19) % 53
		}
		slices.SortFunc(byHH, func(x, y string) int { return hh[x] - hh[y] })
		byOther := slices.Clone(byHH)
		slices.SortStableFunc(byOther, func(x, y string) int { return strings.Compare(other[x], other[y]) })
		a.addUser(t, "clerk1", access.Enrollment, town1)
		clerk := a.client(t).login("clerk1", "user-pass-1")
		const path = "/other-schemes/report"
		checkSorts(t, clerk, path, dataIDs, []sortCase[string]{
			{"", byHH[:50], ""},
			{"?page=2", byHH[50:], ""},
			{"?page=4", byHH[50:], ""},
			{"?sort=other", byOther[:50], `aria-sort="ascending"><a class="sort sort-ascending" href="/other-schemes/report?dir=desc&amp;sort=other"`},
			{"?sort=other&page=2", byOther[50:], `aria-sort="ascending"`},
			{"?sort=other&dir=desc", reversed(byOther)[:50], `aria-sort="descending"`},
			{"?sort=household&dir=desc", reversed(byHH)[:50], `aria-sort="descending"`},
			{"?sort=id_number", byHH[:50], ""}, // not sortable
			{"?sort=other%22%3E", byHH[:50], ""},
		})
		var want []string
		for _, id := range reversed(byOther) {
			if slices.Contains(mismatch, id) {
				want = append(want, id)
			}
		}
		checkSorts(t, clerk, path, dataIDs, []sortCase[string]{{"?mismatch=1&sort=other&dir=desc", want, `aria-sort="descending"`}})
		x := xlsxRows(t, clerk.get(path+"?mismatch=1&sort=other&dir=desc&format=xlsx"))
		if len(x) != len(want)+1 || x[0][3] != "身份证号" {
			t.Fatalf("export = %v", x)
		}
		for i, id := range want {
			if x[i+1][2] != other[id] || x[i+1][3] != "5202**********"+idNo[id][14:] || strings.Contains(strings.Join(x[i+1], ","), idNo[id]) || x[i+1][7] != "是" {
				t.Errorf("export row %d: %v, want %s %s masked", i+1, x[i+1], other[id], idNo[id])
			}
		}
		// The county sees both townships.
		admin := a.client(t).login("admin", testAdminPW)
		if r := admin.get(path + "?page=2"); len(dataIDs(r.Body)) != 5 {
			t.Errorf("county page 2: %v", dataIDs(r.Body))
		}
	})
}
