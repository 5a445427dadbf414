package notice_test

import (
	"context"
	"slices"
	"testing"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/notice"
	"ncms/internal/notice/noticetest"
)

// TestContributionDueHouseholds checks which households get the
// contribution reminder: enrolled last year and not this year (a
// cancelled enrollment counts as none), within the caller's scope, at the
// household's phone or else its head's.
func TestContributionDueHouseholds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := noticetest.Seed(t, d)
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		now := "2026-11-01T00:00:00Z"
		exec(`INSERT INTO scheme_years (year, period_from, period_to, window_from, window_to, status, created_at, updated_at)
			VALUES (2027, '2027-01-01', '2027-12-31', '2026-10-01', '2026-12-31', 'open', ?, ?)`, now, now)
		// A third household in the first township, enrolled in 2026 only by a
		// cancelled enrollment: not a reminder.
		var h3 int64
		if err := d.QueryRowContext(ctx, `INSERT INTO households (number, area_id, area_path, phone, created_at, updated_at)
			SELECT 'NT0003', area_id, area_path, '13600000003', ?, ? FROM households WHERE number = 'NT0001' RETURNING id`,
			now, now).Scan(&h3); err != nil {
			t.Fatal(err)
		}
		var pid int64
		if err := d.QueryRowContext(ctx, `INSERT INTO persons (household_id, area_path, id_number, name, sex, birth_date, relation,
			created_at, updated_at) SELECT ?, area_path, '520222199001011236', '赵六', '1', '1990-01-01', '户主', ?, ? FROM households
			WHERE id = ? RETURNING id`, h3, now, now, h3).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		enrollIn := func(year int, person int64, cancelled bool) {
			t.Helper()
			var pay int64
			if err := d.QueryRowContext(ctx, `INSERT INTO contribution_payments (year, household_id, area_path, tier, amount, paid_on, created_at)
				SELECT ?, household_id, area_path, 1, 4000, '2026-11-01', ? FROM persons WHERE id = ? RETURNING id`, year, now, person).Scan(&pay); err != nil {
				t.Fatal(err)
			}
			cancelledAt := any(nil)
			if cancelled {
				cancelledAt = now
			}
			exec(`INSERT INTO enrollments (year, person_id, household_id, area_path, tier, payment_id, paid_on, cover_from, cover_to,
				created_at, cancelled_at) SELECT ?, id, household_id, area_path, 1, ?, '2026-11-01', ?, ?, ?, ? FROM persons WHERE id = ?`,
				year, pay, civil.New(year, 1, 1).String(), civil.New(year, 12, 31).String(), now, cancelledAt, person)
		}
		enrollIn(2026, pid, true)
		// The second household (王五, Village2) has already paid for 2027;
		// the first (three members) has not: one reminder, not three.
		enrollIn(2027, c.People[3].ID, false)

		s := notice.New(d, nil)
		n, err := s.ContributionDue(as("fiona", access.Finance, county(c)), 2027, civil.MustParse("2026-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		recipients := func() []string {
			return dbtest.Strings(t, d, `SELECT recipient FROM outbox_messages WHERE kind = 'contribution_due' ORDER BY recipient`)
		}
		if got := recipients(); n != 1 || !slices.Equal(got, []string{c.HouseholdPhone}) {
			t.Errorf("reminders: n=%d to %v, want 1 to the first household's phone %s", n, got, c.HouseholdPhone)
		}

		// The second household's 2027 enrollment cancelled: now it is due,
		// at its head's phone (the household has none). A clerk of the
		// second township writes only that one.
		exec(`UPDATE enrollments SET cancelled_at = ? WHERE year = 2027`, now)
		town2 := "/" + itoa(c.County) + "/" + itoa(c.Township2) + "/"
		n, err = s.ContributionDue(as("tina", access.Enrollment, town2), 2027, civil.MustParse("2026-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		if got := recipients(); n != 1 || !slices.Equal(got, []string{c.HouseholdPhone, c.People[3].Phone}) {
			t.Errorf("second township: n=%d, all reminders %v, want the head's phone %s added", n, got, c.People[3].Phone)
		}
	})
}
