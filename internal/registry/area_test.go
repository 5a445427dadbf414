package registry_test

import (
	"strconv"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/registry"
)

func TestAreas(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		if w.townA.Code != "520123001" || w.townB.Code != "520123105" || w.villA.Code != "520123001001" || w.groupA.Code != "520123001001001" {
			t.Errorf("codes %s %s %s %s", w.townA.Code, w.townB.Code, w.villA.Code, w.groupA.Code)
		}
		if w.groupA.Level != registry.Group || w.groupA.Path != w.villA.Path+itoa(w.groupA.ID)+"/" {
			t.Errorf("group = %+v", w.groupA)
		}
		cases := []struct {
			name        string
			in          registry.AreaInput
			kind        apperr.Kind
			field, code string
		}{
			{"same name", registry.AreaInput{ParentID: w.root.ID, Name: "龙场镇"}, apperr.Conflict, "name", "duplicate"},
			{"code not extending the parent", registry.AreaInput{ParentID: w.root.ID, Name: "新镇", Code: "520124001"}, apperr.Invalid, "code", "bad_code"},
			{"code taken", registry.AreaInput{ParentID: w.root.ID, Name: "新镇", Code: "520123105"}, apperr.Conflict, "code", "duplicate"},
			{"under a group", registry.AreaInput{ParentID: w.groupA.ID, Name: "x"}, apperr.Invalid, "parent_id", "too_deep"},
			{"empty name", registry.AreaInput{ParentID: w.root.ID, Name: "  "}, apperr.Invalid, "name", "required"},
		}
		for _, c := range cases {
			_, err := w.s.CreateArea(w.admin, c.in)
			wantErr(t, err, c.kind, c.field, c.code)
		}
		// A clerk may add villages and groups in the own township.
		g2 := must(w.s.CreateArea(w.clerkA, registry.AreaInput{ParentID: w.villA.ID, Name: "二组"}))(t)
		if g2.Code != "520123001001002" {
			t.Errorf("second group code %s", g2.Code)
		}
		r := must(w.s.RenameArea(w.clerkA, g2.ID, "第二组"))(t)
		if r.Name != "第二组" {
			t.Errorf("renamed = %+v", r)
		}
		if _, err := w.s.RenameArea(w.clerkA, w.villB.ID, "x"); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("renaming another township's village: %v", err)
		}
		var a registry.Area
		var created bool
		err := d.InTx(w.admin, func(tx *db.Tx) error {
			var err error
			if a, created, err = w.s.FindOrCreateArea(w.admin, tx, w.root.ID, " 龙场镇 "); err != nil || created || a.ID != w.townA.ID {
				t.Errorf("find existing: %+v %v %v", a, created, err)
			}
			a, created, err = w.s.FindOrCreateArea(w.admin, tx, w.root.ID, "六屯镇")
			return err
		})
		if err != nil || !created || a.Level != registry.Township || a.Code != "520123002" {
			t.Errorf("find-or-create new: %+v %v %v", a, created, err)
		}
		chain := must(w.s.Chain(w.clerkA, w.groupA.ID))(t)
		if len(chain) != 4 || chain[0].Level != registry.County || chain[3].ID != w.groupA.ID {
			t.Errorf("chain = %+v", chain)
		}
		kids := must(w.s.Children(w.admin, w.root.ID))(t)
		if len(kids) != 3 {
			t.Errorf("admin sees %d townships", len(kids))
		}
	})
}
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAreaCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		must(w.s.RegisterHousehold(w.clerkB, family(w.villB.ID, 20)))(t)
		c := must(w.s.Counts(w.clerkA, []registry.Area{w.root, w.townA, w.villA}))(t)
		want := registry.AreaCount{Households: 1, Persons: 3}
		if c[w.root.ID] != want || c[w.townA.ID] != want || c[w.villA.ID] != want {
			t.Errorf("clerk A counts = %+v (the county counts only the own township)", c)
		}
		c = must(w.s.Counts(w.admin, []registry.Area{w.root}))(t)
		if c[w.root.ID] != (registry.AreaCount{Households: 2, Persons: 6}) {
			t.Errorf("admin counts = %+v", c)
		}
	})
}

func TestPlaces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ps := must(w.s.Places(w.clerkA))(t)
		if len(ps) != 2 || ps[0].FullName != "龙场镇 红星村" || ps[1].FullName != "龙场镇 红星村 一组" {
			t.Errorf("clerk A places = %+v", ps)
		}
		if ps := must(w.s.Places(w.admin))(t); len(ps) != 3 {
			t.Errorf("admin places = %+v", ps)
		}
	})
}
