package registry_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// fixedNow is the clock of the tests: 2024-06-15 10:00 in China.
var fixedNow = time.Date(2024, 6, 15, 2, 0, 0, 0, time.UTC)

// world is a small county: root 520123, two townships with a village and a
// group each, and actors for the administrator and each township's clerk.
type world struct {
	s                     *registry.Service
	d                     *db.DB
	root                  registry.Area
	townA, townB          registry.Area
	villA, villB          registry.Area
	groupA                registry.Area
	admin, clerkA, clerkB context.Context
}

// newWorld builds the county the way `ncms init` does (root inserted
// directly) and the rest through the service.
func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	var rootID int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		rootID, err = tx.InsertID(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '520123', '修文县', '', ?)`, db.Timestamp(fixedNow))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", rootID), rootID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{s: registry.New(d, registry.Options{Now: func() time.Time { return fixedNow }}), d: d}
	w.admin = access.WithActor(ctx, access.Actor{UserID: 1, Username: "admin", Role: access.Admin, Scope: access.Scope{AreaID: rootID, AreaPath: fmt.Sprintf("/%d/", rootID)}})
	w.root = must(w.s.Area(w.admin, rootID))(t)
	w.townA = must(w.s.CreateArea(w.admin, registry.AreaInput{ParentID: rootID, Name: "龙场镇"}))(t)
	w.townB = must(w.s.CreateArea(w.admin, registry.AreaInput{ParentID: rootID, Name: "扎佐镇", Code: "520123105"}))(t)
	w.villA = must(w.s.CreateArea(w.admin, registry.AreaInput{ParentID: w.townA.ID, Name: "红星村"}))(t)
	w.villB = must(w.s.CreateArea(w.admin, registry.AreaInput{ParentID: w.townB.ID, Name: "新民村"}))(t)
	w.groupA = must(w.s.CreateArea(w.admin, registry.AreaInput{ParentID: w.villA.ID, Name: "一组"}))(t)
	w.clerkA = clerk(ctx, 2, "clerkA", w.townA)
	w.clerkB = clerk(ctx, 3, "clerkB", w.townB)
	return w
}

func clerk(ctx context.Context, id int64, name string, a registry.Area) context.Context {
	return access.WithActor(ctx, access.Actor{UserID: id, Username: name, Role: access.Enrollment, Scope: access.Scope{AreaID: a.ID, AreaPath: a.Path}})
}

// must returns a function that fails t on err and otherwise returns v.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// idn generates a valid ID number in Guizhou (520123) for tests.
func idn(birth string, seq int, male bool) string {
	return idcard.Generate("520123", civil.MustParse(birth), seq, male)
}

// family returns a three-person household input in area.
func family(area int64, seq int) registry.HouseholdInput {
	return registry.HouseholdInput{AreaID: area, Address: "红星村一组12号", Phone: "13812345678",
		Members: []registry.PersonInput{
			{IDNumber: idn("1970-03-01", seq, true), Name: "张大山", Relation: "户主", Categories: registry.Categories{registry.Dibao}},
			{IDNumber: idn("1972-05-09", seq, false), Name: "李秀英", Relation: "配偶"},
			{IDNumber: idn("2000-01-20", seq+2, true), Name: "张小山", Relation: "子"},
		}}
}

// wantErr checks err's kind and that one of its fields is field with code.
func wantErr(t *testing.T, err error, kind apperr.Kind, field, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error = %v, want an apperr of kind %d", err, kind)
	}
	if e.Kind != kind {
		t.Fatalf("kind = %d, want %d (%v)", e.Kind, kind, err)
	}
	if field == "" {
		if code != "" && e.Code != code {
			t.Fatalf("code = %q, want %q (%v)", e.Code, code, err)
		}
		return
	}
	for _, f := range e.Fields {
		if f.Field == field && (code == "" || f.Code == code) {
			return
		}
	}
	t.Fatalf("error %v has no field %s/%s", err, field, code)
}
