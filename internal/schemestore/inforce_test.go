package schemestore_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/schemestore"
)

// TestInForceByID: the id found by InForceIDSQL is the version InForce
// returns, before and after a later version is activated and retired by
// another Store (as another process would): the in-force decision is the
// database's on every call, only the version's row is remembered.
func TestInForceByID(t *testing.T) {
	yaml, err := os.ReadFile("../../schemes/chongqing-2013.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		st, other := schemestore.New(d), schemestore.New(d)
		early, late := civil.MustParse("2013-03-01"), civil.MustParse("2013-09-01")
		inForce := func(day civil.Date) (schemestore.Version, error) {
			t.Helper()
			var id int64
			if err := d.QueryRowContext(ctx, `SELECT COALESCE(`+schemestore.InForceIDSQL("?")+`, 0)`, day, day, day).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return st.InForceByID(ctx, d, id)
		}
		check := func(step string, day civil.Date, want int64) {
			t.Helper()
			got, err := inForce(day)
			ref, rerr := st.InForce(ctx, d, day)
			switch {
			case want == 0:
				if !errors.Is(err, schemestore.ErrNone) || !errors.Is(rerr, schemestore.ErrNone) {
					t.Errorf("%s, %s: got version %d (%v), InForce %d (%v); want none", step, day, got.ID, err, ref.ID, rerr)
				}
			case err != nil || got.ID != want || ref.ID != want || got.Status != schemestore.Active || got.Scheme == nil:
				t.Errorf("%s, %s: got version %d %q (%v), InForce %d; want %d active with its scheme", step, day, got.ID, got.Status, err, ref.ID, want)
			}
		}
		v1, err := other.Add(ctx, "a.yaml", yaml, civil.Date{}, true)
		if err != nil {
			t.Fatal(err)
		}
		check("one version", early, v1.ID)
		check("one version", late, v1.ID)
		check("outside the period", civil.MustParse("2014-01-01"), 0)
		v2, err := other.Add(ctx, "a.yaml", yaml, civil.MustParse("2013-07-01"), false)
		if err != nil {
			t.Fatal(err)
		}
		check("draft from July", late, v1.ID)
		if err := other.SetStatus(ctx, v2.ID, schemestore.Active); err != nil {
			t.Fatal(err)
		}
		check("active from July", early, v1.ID)
		check("active from July", late, v2.ID)
		if err := other.SetStatus(ctx, v2.ID, schemestore.Retired); err != nil {
			t.Fatal(err)
		}
		check("July's retired", late, v1.ID)
		if err := other.SetStatus(ctx, v1.ID, schemestore.Retired); err != nil {
			t.Fatal(err)
		}
		check("all retired", early, 0)
	})
}
