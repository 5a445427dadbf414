package registry_test

import (
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

func TestNewbornWithoutIDThenAssigned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		mother := h.Members[1]
		born := civil.MustParse("2024-05-01")
		baby := must(w.s.AddMember(w.clerkA, h.ID, registry.MemberEdit{Event: registry.EvBorn, Date: born,
			PersonInput: registry.PersonInput{Name: "张小宝", Relation: "孙子", Sex: idcard.Male, BirthDate: born, MotherID: mother.ID}}))(t)
		if baby.IDNumber != "" || baby.MotherID != mother.ID || baby.Status != registry.Active {
			t.Fatalf("baby = %+v", baby)
		}
		kids := must(w.s.ChildrenOfMother(w.clerkA, mother.ID))(t)
		if len(kids) != 1 || kids[0].ID != baby.ID {
			t.Errorf("children of mother = %+v", kids)
		}
		_, err := w.s.AddMember(w.clerkA, h.ID, registry.MemberEdit{PersonInput: registry.PersonInput{Name: "无名", Relation: "孙女", BirthDate: born}})
		wantErr(t, err, apperr.Invalid, "sex", "required")
		_, err = w.s.AddMember(w.clerkA, h.ID, registry.MemberEdit{PersonInput: registry.PersonInput{Name: "无名", Relation: "孙女", Sex: idcard.Female, BirthDate: born, MotherID: h.Members[0].ID}})
		wantErr(t, err, apperr.Invalid, "mother", "bad_mother")

		wrongSex := idcard.Generate("520123", born, 11, false)
		_, err = w.s.AssignIDNumber(w.clerkA, baby.ID, wrongSex)
		wantErr(t, err, apperr.Invalid, "sex", "sex_mismatch")
		wrongDay := idcard.Generate("520123", born.AddDays(1), 11, true)
		_, err = w.s.AssignIDNumber(w.clerkA, baby.ID, wrongDay)
		wantErr(t, err, apperr.Invalid, "birth_date", "birth_mismatch")
		_, err = w.s.AssignIDNumber(w.clerkA, baby.ID, h.Members[0].IDNumber)
		wantErr(t, err, apperr.Invalid, "", "")

		good := idcard.Generate("520123", born, 11, true)
		got := must(w.s.AssignIDNumber(w.clerkA, baby.ID, good))(t)
		if got.IDNumber != good {
			t.Fatalf("id = %q", got.IDNumber)
		}
		_, err = w.s.AssignIDNumber(w.clerkA, baby.ID, good)
		wantErr(t, err, apperr.Conflict, "", "has_id")
		ev := must(w.s.Events(w.clerkA, baby.ID))(t)
		if len(ev) != 2 || ev[0].Kind != registry.EvBorn || ev[0].Date != born || ev[1].Kind != registry.EvIDAssigned {
			t.Errorf("events = %+v", ev)
		}
	})
}

func TestStatusEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		head, wife, son := h.Members[0], h.Members[1], h.Members[2]
		day := func(s string) civil.Date { return civil.MustParse(s) }
		steps := []struct {
			name   string
			person int64
			ch     registry.StatusChange
			want   registry.Status
			kind   apperr.Kind
			code   string
		}{
			{"future date", son.ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: day("2024-06-16")}, "", apperr.Invalid, "future"},
			{"before birth", son.ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: day("1999-01-01")}, "", apperr.Invalid, "before_birth"},
			{"son moves out", son.ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: day("2024-03-01")}, registry.MovedOut, 0, ""},
			{"moves out twice", son.ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: day("2024-04-01")}, "", apperr.Conflict, "bad_status_change"},
			{"back before leaving", son.ID, registry.StatusChange{Kind: registry.EvMovedIn, Date: day("2024-02-01")}, "", apperr.Invalid, "before_last"},
			{"son moves back", son.ID, registry.StatusChange{Kind: registry.EvMovedIn, Date: day("2024-05-01")}, registry.Active, 0, ""},
			{"head dies without successor", head.ID, registry.StatusChange{Kind: registry.EvDeceased, Date: day("2024-06-01")}, "", apperr.Invalid, "new_head_required"},
			{"head dies, wife heads", head.ID, registry.StatusChange{Kind: registry.EvDeceased, Date: day("2024-06-01"), NewHeadID: wife.ID}, registry.Deceased, 0, ""},
			{"the dead cannot move", head.ID, registry.StatusChange{Kind: registry.EvMovedOut, Date: day("2024-06-10")}, "", apperr.Conflict, "deceased"},
		}
		for _, st := range steps {
			p, err := w.s.ChangeStatus(w.clerkA, st.person, st.ch)
			if st.kind != 0 {
				if e, ok := apperr.As(err); !ok || e.Kind != st.kind || (e.Code != st.code && (len(e.Fields) == 0 || e.Fields[0].Code != st.code)) {
					t.Fatalf("%s: err = %v, want kind %d code %s", st.name, err, st.kind, st.code)
				}
				continue
			}
			if err != nil || p.Status != st.want || p.StatusDate != st.ch.Date {
				t.Fatalf("%s: %+v, %v", st.name, p, err)
			}
		}
		h = must(w.s.Household(w.clerkA, h.ID))(t)
		if h.HeadPersonID != wife.ID || h.ActiveCount != 2 {
			t.Fatalf("after the head's death: head %d (want %d), active %d", h.HeadPersonID, wife.ID, h.ActiveCount)
		}
		_, err := w.s.UpdatePerson(w.clerkA, head.ID, registry.PersonInput{Name: "张大川", Relation: "其他"})
		wantErr(t, err, apperr.Invalid, "status", "not_active")
		ev := must(w.s.Events(w.clerkA, son.ID))(t)
		if len(ev) != 3 || ev[1].Kind != registry.EvMovedOut || ev[2].Kind != registry.EvMovedIn {
			t.Errorf("son's events = %+v", ev)
		}
		// A death recorded by mistake is undone only by a correction.
		_, err = w.s.Correct(w.clerkA, head.ID, registry.Correction{Status: registry.Active})
		wantErr(t, err, apperr.Invalid, "reason", "required")
		p := must(w.s.Correct(w.clerkA, head.ID, registry.Correction{Status: registry.Active, Name: "张大川", Reason: "误报死亡"}))(t)
		if p.Status != registry.Active || p.Name != "张大川" || p.Relation == registry.Head {
			t.Errorf("corrected = %+v", p)
		}
		ev = must(w.s.Events(w.clerkA, head.ID))(t)
		if last := ev[len(ev)-1]; last.Kind != registry.EvCorrected || last.Note != "误报死亡" || last.Data == "" {
			t.Errorf("correction event = %+v", last)
		}
	})
}

func TestEditHousehold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		h := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		head, wife := h.Members[0], h.Members[1]
		// Swap the head on one form: the wife becomes head, the husband spouse.
		e := registry.HouseholdEdit{Address: "新地址8号", Phone: "0851-86543210", Members: []registry.MemberEdit{
			{PersonID: wife.ID, PersonInput: registry.PersonInput{Name: wife.Name, Relation: "户主", Phone: "13900001111"}},
			{PersonID: head.ID, PersonInput: registry.PersonInput{Name: head.Name, Relation: "配偶", Categories: registry.Categories{registry.Wubao}}},
			{PersonInput: registry.PersonInput{IDNumber: idn("1945-02-02", 70, false), Name: "王氏", Relation: "母亲"}, Event: registry.EvMovedIn},
		}}
		h = must(w.s.EditHousehold(w.clerkA, h.ID, e))(t)
		if h.HeadPersonID != wife.ID || h.Address != "新地址8号" || h.Phone != "0851-86543210" || h.ActiveCount != 4 {
			t.Fatalf("edited household = %+v", h)
		}
		for _, m := range h.Members {
			if m.ID == head.ID && (m.Relation != "配偶" || !m.Categories.Has(registry.Wubao)) {
				t.Errorf("former head = %+v", m)
			}
		}
		cases := []struct {
			name        string
			edit        registry.HouseholdEdit
			kind        apperr.Kind
			field, code string
		}{
			{"two heads", registry.HouseholdEdit{Members: []registry.MemberEdit{
				{PersonID: head.ID, PersonInput: registry.PersonInput{Name: head.Name, Relation: "户主"}}}}, apperr.Invalid, "members", "two_heads"},
			{"no head", registry.HouseholdEdit{Members: []registry.MemberEdit{
				{PersonID: wife.ID, PersonInput: registry.PersonInput{Name: wife.Name, Relation: "配偶"}}}}, apperr.Invalid, "members", "no_head"},
			{"ID changed outside a correction", registry.HouseholdEdit{Members: []registry.MemberEdit{
				{PersonID: wife.ID, PersonInput: registry.PersonInput{IDNumber: idn("1972-05-10", 10, false), Name: wife.Name, Relation: "户主"}}}},
				apperr.Invalid, "members[1].id_number", "use_correction"},
			{"new member with a registered ID", registry.HouseholdEdit{Members: []registry.MemberEdit{
				{PersonInput: registry.PersonInput{IDNumber: head.IDNumber, Name: "某", Relation: "子"}}}}, apperr.Conflict, "members[1].id_number", "duplicate_id"},
			{"stranger", registry.HouseholdEdit{Members: []registry.MemberEdit{
				{PersonID: 999, PersonInput: registry.PersonInput{Name: "某", Relation: "子"}}}}, apperr.Invalid, "members[1].person_id", "not_member"},
		}
		for _, c := range cases {
			_, err := w.s.EditHousehold(w.clerkA, h.ID, c.edit)
			if err == nil {
				t.Fatalf("%s: accepted", c.name)
			}
			wantErr(t, err, c.kind, c.field, c.code)
		}
	})
}

func TestTransferPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := must(w.s.RegisterHousehold(w.clerkA, family(w.groupA.ID, 10)))(t)
		b := must(w.s.RegisterHousehold(w.clerkA, family(w.villA.ID, 20)))(t)
		son := a.Members[2]
		p := must(w.s.TransferPerson(w.clerkA, son.ID, registry.Transfer{ToHouseholdID: b.ID, Relation: "女婿", Date: civil.MustParse("2024-06-01")}))(t)
		if p.HouseholdID != b.ID || p.AreaPath != w.villA.Path || p.Relation != "女婿" {
			t.Fatalf("transferred = %+v", p)
		}
		_, err := w.s.TransferPerson(w.clerkA, a.Members[1].ID, registry.Transfer{ToHouseholdID: b.ID, Relation: "户主", Date: civil.MustParse("2024-06-01")})
		wantErr(t, err, apperr.Conflict, "relation", "two_heads")
		_, err = w.s.TransferPerson(w.clerkA, a.Members[0].ID, registry.Transfer{ToHouseholdID: b.ID, Relation: "父亲", Date: civil.MustParse("2024-06-01")})
		wantErr(t, err, apperr.Invalid, "new_head_id", "new_head_required")
	})
}
