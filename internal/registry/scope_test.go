package registry_test

import (
	"testing"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/registry"
)

func TestScopeIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ha := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		hb := must(w.s.RegisterHousehold(w.clerkB, family(w.villB.ID, 20)))(t)
		pb := hb.Members[0]
		notFound := []struct {
			name string
			err  error
		}{
			{"household", second(w.s.Household(w.clerkA, hb.ID))},
			{"household by number", second(w.s.HouseholdByNumber(w.clerkA, hb.Number))},
			{"person", second(w.s.Person(w.clerkA, pb.ID))},
			{"person by ID number", second(w.s.PersonByIDNumber(w.clerkA, pb.IDNumber))},
			{"events", second(w.s.Events(w.clerkA, pb.ID))},
			{"area of B", second(w.s.Area(w.clerkA, w.villB.ID))},
			{"edit", second(w.s.EditHousehold(w.clerkA, hb.ID, registry.HouseholdEdit{Address: "x"}))},
			{"status", second(w.s.ChangeStatus(w.clerkA, pb.ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: hb.Members[0].BirthDate}))},
			{"update person", second(w.s.UpdatePerson(w.clerkA, pb.ID, registry.PersonInput{Name: "x", Relation: "户主"}))},
			{"move", second(w.s.MoveHousehold(w.clerkA, hb.ID, w.groupA.ID))},
		}
		for _, c := range notFound {
			if apperr.KindOf(c.err) != apperr.NotFound {
				t.Errorf("%s of township B by clerk A: %v, want not found", c.name, c.err)
			}
		}
		for _, q := range []registry.Query{{Q: "张大山"}, {Q: pb.IDNumber}, {Q: hb.Number}, {Name: "张"}, {}} {
			res := must(w.s.SearchPersons(w.clerkA, q))(t)
			for _, p := range res.Items {
				if p.HouseholdID != ha.ID {
					t.Errorf("search %+v by clerk A found %s of household %d", q, p.Name, p.HouseholdID)
				}
			}
			hs := must(w.s.SearchHouseholds(w.clerkA, q))(t)
			for _, h := range hs.Items {
				if h.ID != ha.ID {
					t.Errorf("household search %+v by clerk A found %s", q, h.Number)
				}
			}
		}
		if res := must(w.s.SearchPersons(w.admin, registry.Query{Q: "张大山"}))(t); res.Total != 2 {
			t.Errorf("admin sees %d 张大山, want 2", res.Total)
		}
		// Ancestors stay visible for breadcrumbs; siblings do not.
		if _, err := w.s.Area(w.clerkA, w.root.ID); err != nil {
			t.Errorf("county root hidden from clerk A: %v", err)
		}
		kids := must(w.s.Children(w.clerkA, w.root.ID))(t)
		if len(kids) != 1 || kids[0].ID != w.townA.ID {
			t.Errorf("clerk A sees townships %+v", kids)
		}
		// Roles: an auditor reads but never writes; an institution scope sees nothing.
		auditor := access.WithActor(w.admin, access.Actor{Username: "aud", Role: access.Auditor, Scope: w.rootScope()})
		if _, err := w.s.Household(auditor, ha.ID); err != nil {
			t.Errorf("auditor read: %v", err)
		}
		if _, err := w.s.RegisterHousehold(auditor, family(w.groupA.ID, 30)); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("auditor write: %v, want forbidden", err)
		}
		inst := access.WithActor(w.admin, access.Actor{Username: "his", Role: access.Institution, Scope: access.Scope{InstitutionID: 4}})
		if res := must(w.s.SearchPersons(inst, registry.Query{}))(t); res.Total != 0 {
			t.Errorf("institution scope sees %d people", res.Total)
		}
		if _, err := w.s.CreateArea(w.clerkA, registry.AreaInput{ParentID: w.root.ID, Name: "新镇"}); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("clerk creating a township: %v, want forbidden", err)
		}
	})
}

func (w *world) rootScope() access.Scope {
	return access.Scope{AreaID: w.root.ID, AreaPath: w.root.Path}
}

// second returns the error of a two-value call.
func second[T any](_ T, err error) error { return err }

func TestMoveHousehold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		if _, err := w.s.MoveHousehold(w.clerkA, h.ID, w.villB.ID); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("clerk A moving into township B: %v", err)
		}
		if _, err := w.s.MoveHousehold(w.clerkA, h.ID, w.townA.ID); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("moving into a township: %v", err)
		}
		moved := must(w.s.MoveHousehold(w.admin, h.ID, w.villB.ID))(t)
		if moved.AreaID != w.villB.ID || moved.AreaPath != w.villB.Path {
			t.Fatalf("moved = %+v", moved)
		}
		for _, m := range moved.Members {
			if m.AreaPath != w.villB.Path {
				t.Errorf("member %s path %q", m.Name, m.AreaPath)
			}
		}
		if _, err := w.s.Household(w.clerkA, h.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("clerk A still sees the moved household: %v", err)
		}
		if _, err := w.s.Household(w.clerkB, h.ID); err != nil {
			t.Errorf("clerk B cannot see the moved household: %v", err)
		}
		if res := must(w.s.SearchPersons(w.clerkB, registry.Query{HouseholdNumber: h.Number}))(t); res.Total != 3 {
			t.Errorf("clerk B finds %d members", res.Total)
		}
	})
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		in := family(w.villA.ID, 20)
		in.Members[0].Name, in.Members[1].Name, in.Members[2].Name = "王张", "赵%", "钱_五"
		h2 := must(w.s.RegisterHousehold(w.clerkA, in))(t)
		son := h.Members[2]
		cases := []struct {
			q     registry.Query
			total int
			first string
		}{
			{registry.Query{Q: son.IDNumber}, 1, "张小山"},
			{registry.Query{Q: "  " + son.IDNumber[:17] + "x"}, 0, ""},
			{registry.Query{IDNumber: son.IDNumber}, 1, "张小山"},
			{registry.Query{Q: "张"}, 3, "张大山"}, // prefix matches before 王张
			{registry.Query{Q: "小山"}, 1, "张小山"},
			{registry.Query{Q: "%"}, 1, "赵%"},
			{registry.Query{Q: "_"}, 1, "钱_五"},
			{registry.Query{Q: h2.Number}, 3, ""},
			{registry.Query{Q: w.villA.Code}, 6, ""},
			{registry.Query{HouseholdNumber: h.Number, Name: "山"}, 2, "张大山"},
			{registry.Query{Category: registry.Dibao}, 2, ""},
			{registry.Query{AreaID: w.groupA.ID}, 3, ""},
			{registry.Query{Status: registry.MovedOut}, 0, ""},
			{registry.Query{Q: "无此人"}, 0, ""},
		}
		for _, c := range cases {
			res := must(w.s.SearchPersons(w.clerkA, c.q))(t)
			if res.Total != c.total || len(res.Items) != c.total || (c.first != "" && res.Items[0].Name != c.first) {
				names := []string{}
				for _, p := range res.Items {
					names = append(names, p.Name)
				}
				t.Errorf("search %+v: total %d %v, want %d first %q", c.q, res.Total, names, c.total, c.first)
			}
		}
		page := must(w.s.SearchPersons(w.clerkA, registry.Query{Page: registry.Page{Limit: 4, Offset: 4}}))(t)
		if page.Total != 6 || len(page.Items) != 2 {
			t.Errorf("page 2: total %d items %d", page.Total, len(page.Items))
		}
		hs := must(w.s.SearchHouseholds(w.clerkA, registry.Query{Q: "小山"}))(t)
		if hs.Total != 1 || hs.Items[0].ID != h.ID || hs.Items[0].HeadName != "张大山" || hs.Items[0].ActiveCount != 3 {
			t.Errorf("household search = %+v", hs)
		}
	})
}
