package fund_test

import (
	"context"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest/county"
	"ncms/internal/enroll"
	"ncms/internal/fund"
	"ncms/internal/idcard"
	"ncms/internal/ledger"
	"ncms/internal/registry"
)

// fixedNow is the tests' clock: 2026-07-01 10:00 in China.
var fixedNow = time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)

// world is a county with one township and village, the 2026 year open
// under Pan county's standard (individual 30 + government 200), and
// actors for the administrator, an enrollment clerk and the finance clerk.
type world struct {
	d                     *db.DB
	reg                   *registry.Service
	en                    *enroll.Service
	f                     *fund.Service
	vill                  registry.Area
	admin, finance, clerk context.Context
	seq                   int
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	rootID, rootPath := county.New(t, d).Area(0, "", "county", "520221", "盘县")
	clock := func() time.Time { return fixedNow }
	w := &world{d: d, reg: registry.New(d, registry.Options{Now: clock}), en: enroll.New(d, enroll.Options{Now: clock}), f: fund.New(d, clock)}
	scope := access.Scope{AreaID: rootID, AreaPath: rootPath}
	w.admin = access.WithActor(ctx, access.Actor{UserID: 1, Username: "admin", Role: access.Admin, Scope: scope})
	w.finance = access.WithActor(ctx, access.Actor{UserID: 2, Username: "cw", Role: access.Finance, Scope: scope})
	w.clerk = access.WithActor(ctx, access.Actor{UserID: 3, Username: "clerk", Role: access.Enrollment, Scope: scope})
	town := must(w.reg.CreateArea(w.admin, registry.AreaInput{ParentID: rootID, Name: "红果镇"}))(t)
	w.vill = must(w.reg.CreateArea(w.admin, registry.AreaInput{ParentID: town.ID, Name: "红星村"}))(t)
	p, _ := enroll.PresetByKey("pan")
	must(w.en.CreateYear(w.admin, enroll.YearInput{Year: 2026, WaitingDays: -1}))(t)
	must(w.en.SetStandards(w.admin, 2026, p.Standards, p.Subsidies))(t)
	must(w.en.SetStatus(w.admin, 2026, enroll.Open))(t)
	return w
}

// house registers a household of n members and enrolls it, paid on paidOn.
func (w *world) house(t testing.TB, n int, paidOn civil.Date) enroll.Receipt {
	t.Helper()
	in := registry.HouseholdInput{AreaID: w.vill.ID, Address: "一组"}
	for i := 0; i < n; i++ {
		w.seq++
		rel := "子"
		if i == 0 {
			rel = "户主"
		}
		in.Members = append(in.Members, registry.PersonInput{IDNumber: idcard.Generate("520221", civil.New(1970+i, 3, 1), w.seq, i%2 == 0),
			Name: "张" + string(rune('一'+w.seq)), Relation: rel})
	}
	h := must(w.reg.RegisterHousehold(w.admin, in))(t)
	return must(w.en.Enroll(w.clerk, enroll.EnrollInput{Year: 2026, HouseholdID: h.ID, Tier: 1, PaidOn: paidOn}))(t)
}

// post posts an entry in its own transaction (aggregate figures).
func post(t testing.TB, d *db.DB, e ledger.Entry) int64 {
	t.Helper()
	var id int64
	err := d.InTx(context.Background(), func(tx *db.Tx) (err error) { id, err = ledger.Post(context.Background(), tx, e); return err })
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func must[T any](v T, err error) func(t testing.TB) T { return county.Must(v, err) }
