package enroll_test

import (
	"context"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest/county"
	"ncms/internal/enroll"
	"ncms/internal/idcard"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// fixedNow is the clock of the tests: 2026-06-15 10:00 in China, half way
// through the 2026 benefit period.
var fixedNow = time.Date(2026, 6, 15, 2, 0, 0, 0, time.UTC)

// world is a small county: two townships with a village each, actors for
// the administrator, the finance clerk and each township's clerk, and the
// 2026 year under Pan county's standard, open.
type world struct {
	d                     *db.DB
	reg                   *registry.Service
	s                     *enroll.Service
	townA, townB          registry.Area
	villA, villB          registry.Area
	admin, clerkA, clerkB context.Context
	finance               context.Context
	seq                   int
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	rootID, rootPath := county.New(t, d).Area(0, "", "county", "520123", "盘县")
	clock := func() time.Time { return fixedNow }
	w := &world{d: d, reg: registry.New(d, registry.Options{Now: clock}), s: enroll.New(d, enroll.Options{Now: clock})}
	scope := access.Scope{AreaID: rootID, AreaPath: rootPath}
	w.admin = access.WithActor(ctx, access.Actor{UserID: 1, Username: "admin", Role: access.Admin, Scope: scope})
	w.finance = access.WithActor(ctx, access.Actor{UserID: 4, Username: "cw", Role: access.Finance, Scope: scope})
	w.townA = must(w.reg.CreateArea(w.admin, registry.AreaInput{ParentID: rootID, Name: "红果镇"}))(t)
	w.townB = must(w.reg.CreateArea(w.admin, registry.AreaInput{ParentID: rootID, Name: "柏果镇"}))(t)
	w.villA = must(w.reg.CreateArea(w.admin, registry.AreaInput{ParentID: w.townA.ID, Name: "红星村"}))(t)
	w.villB = must(w.reg.CreateArea(w.admin, registry.AreaInput{ParentID: w.townB.ID, Name: "新民村"}))(t)
	w.clerkA = clerk(ctx, 2, "clerkA", w.townA)
	w.clerkB = clerk(ctx, 3, "clerkB", w.townB)
	w.year(t, 2026, "pan")
	return w
}

func clerk(ctx context.Context, id int64, name string, a registry.Area) context.Context {
	return access.WithActor(ctx, access.Actor{UserID: id, Username: name, Role: access.Enrollment,
		Scope: access.Scope{AreaID: a.ID, AreaPath: a.Path}})
}

// year creates and opens a calendar scheme year (window 1 Sep – 20 Dec of
// the year before, 90 waiting days) under a preset.
func (w *world) year(t testing.TB, year int, preset string) enroll.Year {
	t.Helper()
	p, ok := enroll.PresetByKey(preset)
	if !ok {
		t.Fatalf("no preset %q", preset)
	}
	must(w.s.CreateYear(w.admin, enroll.YearInput{Year: year, WaitingDays: -1}))(t)
	must(w.s.SetStandards(w.admin, year, p.Standards, p.Subsidies))(t)
	return must(w.s.SetStatus(w.admin, year, enroll.Open))(t)
}

// person describes a member for house.
type person struct {
	name, relation, birth string
	male                  bool
	cats                  registry.Categories
}

// house registers a household in a village; with no members given, a
// couple and a son.
func (w *world) house(t testing.TB, vill registry.Area, ps ...person) registry.Household {
	t.Helper()
	if len(ps) == 0 {
		ps = []person{{"张大山", "户主", "1970-03-01", true, nil}, {"李秀英", "配偶", "1972-05-09", false, nil},
			{"张小山", "子", "2000-01-20", true, nil}}
	}
	in := registry.HouseholdInput{AreaID: vill.ID, Address: "一组12号"}
	for _, p := range ps {
		w.seq++
		in.Members = append(in.Members, registry.PersonInput{IDNumber: idcard.Generate("520123", civil.MustParse(p.birth), w.seq, p.male),
			Name: p.name, Relation: p.relation, Categories: p.cats})
	}
	return must(w.reg.RegisterHousehold(w.admin, in))(t)
}

// must returns a function that fails t on err and otherwise returns v.
func must[T any](v T, err error) func(t testing.TB) T { return county.Must(v, err) }

// wantErr checks err's kind and code (or the code of one of its fields).
func wantErr(t *testing.T, err error, kind apperr.Kind, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error = %v, want an apperr of kind %d code %s", err, kind, code)
	}
	if e.Kind != kind {
		t.Fatalf("kind = %d, want %d (%v)", e.Kind, kind, err)
	}
	if e.Code == code {
		return
	}
	for _, f := range e.Fields {
		if f.Code == code {
			return
		}
	}
	t.Fatalf("error %v has no code %s", err, code)
}

func day(s string) civil.Date { return civil.MustParse(s) }

func yuan(s string) money.Fen { return money.MustParse(s) }

// dueBySource returns the net amounts due per source for a year, straight
// from the contributions table.
func dueBySource(t *testing.T, q db.Querier, year int) map[enroll.Source]money.Fen {
	t.Helper()
	rows, err := q.QueryContext(context.Background(), `SELECT source, SUM(amount) FROM contributions WHERE year = ? GROUP BY source`, year)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[enroll.Source]money.Fen{}
	for rows.Next() {
		var s string
		var v int64
		if err := rows.Scan(&s, &v); err != nil {
			t.Fatal(err)
		}
		out[enroll.Source(s)] = money.Fen(v)
	}
	return out
}

func times(f money.Fen, n int) money.Fen {
	v, ok := f.Mul(int64(n))
	if !ok {
		panic("overflow")
	}
	return v
}
