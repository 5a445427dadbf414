package registry_test

import (
	"strings"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

func TestRegisterHousehold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		if want := w.groupA.Code + "0001"; h.Number != want {
			t.Errorf("number = %q, want %q", h.Number, want)
		}
		if len(h.Members) != 3 || h.ActiveCount != 3 || h.HeadName != "张大山" || !h.Members[0].IsHead() {
			t.Fatalf("household = %+v", h)
		}
		if h.AreaPath != w.groupA.Path || h.Members[2].AreaPath != w.groupA.Path {
			t.Errorf("area paths %q %q, want %q", h.AreaPath, h.Members[2].AreaPath, w.groupA.Path)
		}
		if got := h.AreaNames(); got != "龙场镇 红星村 一组" {
			t.Errorf("AreaNames = %q", got)
		}
		wife := h.Members[1]
		if wife.Sex != idcard.Female || wife.BirthDate != civil.MustParse("1972-05-09") {
			t.Errorf("derived sex/birth = %v %v", wife.Sex, wife.BirthDate)
		}
		if !h.Members[0].Categories.Has(registry.Dibao) {
			t.Errorf("categories = %v", h.Members[0].Categories)
		}
		h2 := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 20)))(t)
		if want := w.groupA.Code + "0002"; h2.Number != want {
			t.Errorf("second number = %q, want %q", h2.Number, want)
		}
		ev := must(w.s.Events(w.clerkA, wife.ID))(t)
		if len(ev) != 1 || ev[0].Kind != registry.EvRegistered || ev[0].Date != civil.MustParse("2024-06-15") {
			t.Errorf("events = %+v", ev)
		}
		rows := must(audit.List(w.admin, d, audit.Filter{ObjectType: "household"}))(t)
		if len(rows) != 2 || strings.Contains(rows[1].After, wife.IDNumber) || !strings.Contains(rows[1].After, idcard.Mask(wife.IDNumber)) {
			t.Errorf("household audit must hold masked IDs: %+v", rows)
		}
	})
}

func TestRegisterHouseholdRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		first := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		badCheck := idn("1980-01-01", 30, true)
		badCheck = badCheck[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", badCheck[17])+1)%11])
		cases := []struct {
			name        string
			edit        func(*registry.HouseholdInput)
			kind        apperr.Kind
			field, code string
		}{
			{"duplicate ID of another household", func(in *registry.HouseholdInput) {
				in.Members[1].IDNumber = first.Members[1].IDNumber
			}, apperr.Conflict, "members[2].id_number", "duplicate_id"},
			{"same ID twice in one household", func(in *registry.HouseholdInput) {
				in.Members[2].IDNumber = in.Members[0].IDNumber
			}, apperr.Invalid, "members[3].id_number", "duplicate_id"},
			{"wrong check character", func(in *registry.HouseholdInput) {
				in.Members[0].IDNumber = badCheck
			}, apperr.Invalid, "members[1].id_number", "idcard.check_char"},
			{"sex disagrees with ID", func(in *registry.HouseholdInput) {
				in.Members[1].Sex = idcard.Male
			}, apperr.Invalid, "members[2].sex", "sex_mismatch"},
			{"birth date disagrees with ID", func(in *registry.HouseholdInput) {
				in.Members[2].BirthDate = civil.MustParse("2000-01-21")
			}, apperr.Invalid, "members[3].birth_date", "birth_mismatch"},
			{"no head", func(in *registry.HouseholdInput) {
				in.Members[0].Relation = "父亲"
			}, apperr.Invalid, "members", "no_head"},
			{"two heads", func(in *registry.HouseholdInput) {
				in.Members[1].Relation = "本人"
			}, apperr.Invalid, "members[2].relation", "two_heads"},
			{"adult without ID", func(in *registry.HouseholdInput) {
				in.Members[2].IDNumber = ""
				in.Members[2].Sex, in.Members[2].BirthDate = idcard.Male, civil.MustParse("2010-01-01")
			}, apperr.Invalid, "members[3].id_number", "required"},
			{"bad phone", func(in *registry.HouseholdInput) { in.Phone = "12345" }, apperr.Invalid, "phone", "bad_phone"},
			{"household in a township", func(in *registry.HouseholdInput) { in.AreaID = w.townA.ID }, apperr.Invalid, "area_id", "bad_level"},
			{"household in another township", func(in *registry.HouseholdInput) { in.AreaID = w.villB.ID }, apperr.Invalid, "area_id", "not_found"},
			{"number taken", func(in *registry.HouseholdInput) { in.Number = first.Number }, apperr.Conflict, "number", "duplicate_number"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := family(w.groupA.ID, 40)
				c.edit(&in)
				_, err := w.s.RegisterHousehold(w.clerkA, in)
				wantErr(t, err, c.kind, c.field, c.code)
			})
		}
		var n int
		if err := d.QueryRowContext(w.admin, `SELECT COUNT(*) FROM persons`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("persons = %d (%v), want 3: a refused registration writes nothing", n, err)
		}
		_, err := w.s.RegisterHousehold(w.clerkA, func() registry.HouseholdInput {
			in := family(w.groupA.ID, 50)
			in.Members[1].IDNumber = first.Members[1].IDNumber
			return in
		}())
		if e, _ := apperr.As(err); !strings.Contains(e.Fields[0].Zh, first.Number) || strings.Contains(err.Error(), first.Members[1].IDNumber) {
			t.Errorf("duplicate error must name household %s and mask the ID: %v", first.Number, err)
		}
	})
}
