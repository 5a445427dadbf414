package institution_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/institution"
)

// now is the tests' clock: 2024-06-15 10:00 in China.
var now = time.Date(2024, 6, 15, 2, 0, 0, 0, time.UTC)

type world struct {
	s      *institution.Service
	d      *db.DB
	clock  *time.Time
	areaID int64
	admin  context.Context
}

func testKey(t *testing.T) institution.Key {
	k, err := institution.ParseKey(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	ctx := context.Background()
	var rootID int64
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		rootID, err = tx.InsertID(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at) VALUES (NULL, 'county', '520221', '测试县', '', ?)`, db.Timestamp(now))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, fmt.Sprintf("/%d/", rootID), rootID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	w := &world{d: d, clock: &clock, areaID: rootID}
	w.s = institution.New(d, institution.Options{Key: testKey(t), Now: func() time.Time { return *w.clock }})
	w.admin = access.WithActor(ctx, access.Actor{UserID: 1, Username: "admin", Role: access.Admin,
		Scope: access.Scope{AreaID: rootID, AreaPath: fmt.Sprintf("/%d/", rootID)}})
	return w
}

func township(areaID int64) institution.Input {
	return institution.Input{Code: "H52022100001", Name: "龙场镇卫生院", Level: institution.Township, AreaID: areaID,
		InCounty: true, Agreement: true, Networked: true, BankName: "农村信用社", BankAccountName: "龙场镇卫生院",
		BankAccountNo: "6228 4800 1234 5678 901"}
}

func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantCode(t *testing.T, err error, kind apperr.Kind, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind || (e.Code != code && (len(e.Fields) == 0 || e.Fields[0].Code != code)) {
		t.Fatalf("error = %v, want kind %d code %s", err, kind, code)
	}
}

func TestCreateGetUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in, cred, err := w.s.Create(w.admin, township(w.areaID))
		if err != nil {
			t.Fatal(err)
		}
		if in.Code != "H52022100001" || in.Status != institution.Active || in.StatusSince != civil.MustParse("2024-06-15") ||
			in.BankAccountNo != "6228480012345678901" || !in.InCounty || in.AreaID != w.areaID {
			t.Fatalf("created = %+v", in)
		}
		if cred.PaasID != in.PaasID || len(cred.Secret) != 64 || cred.Code != in.Code {
			t.Fatalf("credentials = %+v", cred)
		}
		got := must(w.s.ByCode(w.admin, "h52022100001"))(t)
		if got.ID != in.ID {
			t.Fatalf("ByCode = %+v", got)
		}
		up := township(w.areaID)
		up.Name, up.Level, up.Private = "龙场镇中心卫生院", institution.County, true
		after := must(w.s.Update(w.admin, in.ID, up))(t)
		if after.Name != "龙场镇中心卫生院" || after.Level != institution.County || !after.Private {
			t.Fatalf("updated = %+v", after)
		}
		up.Code = "H52022100009"
		_, err = w.s.Update(w.admin, in.ID, up)
		wantCode(t, err, apperr.Invalid, "immutable")
		_, _, err = w.s.Create(w.admin, township(w.areaID))
		wantCode(t, err, apperr.Invalid, "duplicate")
		trail := must(audit.List(w.admin, d, audit.Filter{ObjectType: "institution", ObjectID: fmt.Sprint(in.ID)}))(t)
		if len(trail) != 2 || trail[0].Action != "institution.update" || strings.Contains(trail[0].After, "5678901") ||
			strings.Contains(trail[1].After, cred.Secret) {
			t.Fatalf("audit trail = %+v", trail)
		}
	})
}

func TestValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		cases := []struct {
			name  string
			edit  func(*institution.Input)
			field string
		}{
			{"short code", func(i *institution.Input) { i.Code = "H5202210001" }, "fixmedins_code"},
			{"letter in code", func(i *institution.Input) { i.Code = "H5202210000X" }, "fixmedins_code"},
			{"wrong prefix", func(i *institution.Input) { i.Code = "X52022100001" }, "fixmedins_code"},
			{"no name", func(i *institution.Input) { i.Name = " " }, "fixmedins_name"},
			{"bad level", func(i *institution.Input) { i.Level = "clinic" }, "level"},
			{"in county without area", func(i *institution.Input) { i.AreaID = 0 }, "area_id"},
			{"unknown area", func(i *institution.Input) { i.AreaID = 9999 }, "area_id"},
			{"account letters", func(i *institution.Input) { i.BankAccountNo = "62284800ABC" }, "bank_account_no"},
			{"account short", func(i *institution.Input) { i.BankAccountNo = "1234567" }, "bank_account_no"},
			{"account without bank", func(i *institution.Input) { i.BankName = "" }, "bank_name"},
		}
		for _, c := range cases {
			in := township(w.areaID)
			c.edit(&in)
			_, _, err := w.s.Create(w.admin, in)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || len(e.Fields) == 0 || e.Fields[0].Field != c.field || e.Fields[0].Zh == "" || e.Fields[0].En == "" {
				t.Errorf("%s: error = %v, want invalid %s", c.name, err, c.field)
			}
		}
		out := institution.Input{Code: "H50010000001", Name: "重庆医科大学附属第一医院", Level: institution.Province, Agreement: true}
		if _, _, err := w.s.Create(w.admin, out); err != nil {
			t.Fatalf("out-of-county institution without area or bank: %v", err)
		}
	})
}

func TestScopeAndRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a, _ := must3(w.s.Create(w.admin, township(w.areaID)))(t)
		other := township(w.areaID)
		other.Code, other.Name = "H52022100002", "扎佐镇卫生院"
		b, _ := must3(w.s.Create(w.admin, other))(t)
		clerk := access.WithActor(context.Background(), access.Actor{UserID: 7, Username: "clerk", Role: access.Institution,
			Scope: access.Scope{InstitutionID: a.ID}})
		list, total := must3(w.s.List(clerk, institution.Filter{}))(t)
		if total != 1 || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("institution clerk sees %d: %+v", total, list)
		}
		if _, err := w.s.Get(clerk, b.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("clerk reading another institution: %v", err)
		}
		if _, err := w.s.ByCode(clerk, b.Code); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("clerk reading another institution by code: %v", err)
		}
		if _, err := w.s.Suspend(clerk, a.ID, "x"); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("clerk suspending: %v", err)
		}
		if _, err := w.s.Rotate(clerk, a.ID, 0); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("clerk rotating: %v", err)
		}
		all, total := must3(w.s.List(w.admin, institution.Filter{Query: "扎佐"}))(t)
		if total != 1 || all[0].ID != b.ID {
			t.Fatalf("search = %+v", all)
		}
	})
}

func must3[A, B any](a A, b B, err error) func(t *testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

func TestStatusHistory(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in, _ := must3(w.s.Create(w.admin, township(w.areaID)))(t)
		_, err := w.s.Suspend(w.admin, in.ID, "")
		wantCode(t, err, apperr.Invalid, "required")
		_, err = w.s.SetStatus(w.admin, in.ID, institution.StatusChange{Status: institution.Suspended, Reason: "x", Since: civil.MustParse("2024-07-01")})
		wantCode(t, err, apperr.Invalid, "future")
		*w.clock = now.Add(24 * time.Hour)
		s := must(w.s.Suspend(w.admin, in.ID, "违规挂床 / phantom admissions"))(t)
		if s.Status != institution.Suspended || s.StatusSince != civil.MustParse("2024-06-16") {
			t.Fatalf("suspended = %+v", s)
		}
		_, err = w.s.Suspend(w.admin, in.ID, "again")
		wantCode(t, err, apperr.Conflict, "same_status")
		*w.clock = now.Add(48 * time.Hour)
		must(w.s.SetStatus(w.admin, in.ID, institution.StatusChange{Status: institution.Active}))(t)
		must(w.s.SetStatus(w.admin, in.ID, institution.StatusChange{Status: institution.Withdrawn, Reason: "协议终止"}))(t)
		_, err = w.s.SetStatus(w.admin, in.ID, institution.StatusChange{Status: institution.Active})
		wantCode(t, err, apperr.Conflict, "withdrawn")
		h := must(w.s.History(w.admin, in.ID))(t)
		var got []string
		for _, e := range h {
			got = append(got, string(e.Status)+"@"+e.Since.String())
		}
		want := "active@2024-06-15 suspended@2024-06-16 active@2024-06-17 withdrawn@2024-06-17"
		if strings.Join(got, " ") != want || h[1].Reason != "违规挂床 / phantom admissions" || h[1].Username != "admin" {
			t.Fatalf("history = %v (%+v)", got, h)
		}
	})
}
