package complaint_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/auth"
	"ncms/internal/civil"
	"ncms/internal/complaint"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
)

func as(name string, role access.Role) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: name, Role: role, Scope: access.Scope{AreaPath: "/1/"}})
}

func setup(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at)
			VALUES (NULL, 'county', '520222', '盘县', '/1/', '2026-01-01T00:00:00.000000Z')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a := auth.New(d, auth.Options{BcryptCost: bcrypt.MinCost})
	sys := access.WithActor(ctx, access.System("test"))
	for _, u := range []struct {
		name string
		role access.Role
	}{{"ivan", access.Inspector}, {"iris", access.Inspector}, {"dora", access.Director}, {"eve", access.Enrollment}} {
		if _, _, err := a.CreateUser(sys, auth.UserInput{Username: u.name, DisplayName: u.name, Role: u.role, AreaID: 1,
			Password: "user-pass-1"}); err != nil {
			t.Fatal(err)
		}
	}
}

// The whole path of a tip-off — intake, assignment, answer, confirmation,
// reward granted and paid — with the role and person checks at each step.
func TestTipOffWorkflow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		setup(t, d)
		s := complaint.New(d, func() time.Time { return time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC) })
		ivan, iris, dora := as("ivan", access.Inspector), as("iris", access.Inspector), as("dora", access.Director)
		eve, fin := as("eve", access.Enrollment), as("fay", access.Finance)
		tip := complaint.Item{Kind: complaint.Tip, Channel: "phone", Complainant: "赵六", Contact: "13600001111",
			Subject: "某卫生院挂床住院", Details: "三床病人白天不在院"}
		if _, err := s.Receive(eve, tip); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("enrollment clerk recorded a complaint: %v", err)
		}
		if _, err := s.Receive(ivan, complaint.Item{Kind: "x", Channel: "fax"}); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("bad input: %v", err)
		}
		it, err := s.Receive(ivan, tip)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Answer(iris, it.ID, "查无此事", complaint.Unsubstantiated); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("answered before assignment: %v", err)
		}
		if _, err := s.Assign(dora, it.ID, "eve", civil.Date{}); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("assigned to an enrollment clerk: %v", err)
		}
		if _, err := s.Assign(dora, it.ID, "iris", civil.MustParse("2026-03-20")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Answer(ivan, it.ID, "属实", complaint.Substantiated); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("someone else answered: %v", err)
		}
		if _, err := s.Answer(iris, it.ID, "经查三床病人挂床,已移交扣款", complaint.Substantiated); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GrantReward(dora, it.ID, money.MustParse("500.00")); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("reward before confirmation: %v", err)
		}
		if _, err := s.Confirm(ivan, it.ID, false, ""); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("inspector confirmed: %v", err)
		}
		if _, err := s.Confirm(dora, it.ID, true, ""); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("reopen without note: %v", err)
		}
		if _, err := s.Confirm(dora, it.ID, true, "请补充证据"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Answer(iris, it.ID, "经查属实,附病房照片", complaint.Substantiated); err != nil {
			t.Fatal(err)
		}
		if it, err = s.Confirm(dora, it.ID, false, ""); err != nil || it.Status != complaint.Confirmed {
			t.Fatalf("confirm: %+v %v", it, err)
		}
		if _, err := s.RewardPaid(fin, it.ID, civil.MustParse("2026-03-02")); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("paid before granted: %v", err)
		}
		if _, err := s.GrantReward(dora, it.ID, money.MustParse("500.00")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GrantReward(dora, it.ID, money.MustParse("500.00")); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("granted twice: %v", err)
		}
		if _, err := s.RewardPaid(dora, it.ID, civil.MustParse("2026-03-02")); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("director recorded the payment: %v", err)
		}
		if it, err = s.RewardPaid(fin, it.ID, civil.MustParse("2026-03-02")); err != nil || it.RewardStatus != complaint.RewardPaid {
			t.Fatalf("paid: %+v %v", it, err)
		}
		got, evs, err := s.Get(as("audi", access.Auditor), it.ID)
		if err != nil || got.Reward != money.MustParse("500.00") || len(evs) != 8 {
			t.Errorf("read back: %+v, %d events, %v", got, len(evs), err)
		}
		var audits int
		_ = d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE object_type = 'complaint'`).Scan(&audits)
		if audits != 8 {
			t.Errorf("%d audit rows, want 8", audits)
		}
	})
}

// A complaint (not a tip-off), or a tip found untrue, earns no reward; the
// one who answered cannot confirm.
func TestNoRewardAndSeparateConfirmer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		setup(t, d)
		s := complaint.New(d, nil)
		dora, ivan := as("dora", access.Director), as("ivan", access.Inspector)
		it, err := s.Receive(ivan, complaint.Item{Kind: complaint.Complaint, Channel: "visit", Subject: "报销太慢"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Assign(ivan, it.ID, "dora", civil.Date{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Answer(dora, it.ID, "已催办", complaint.Partly); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Confirm(dora, it.ID, false, ""); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("answerer confirmed own answer: %v", err)
		}
		list, err := s.List(ivan, complaint.Filter{Status: complaint.Answered})
		if err != nil || len(list) != 1 {
			t.Errorf("list: %d %v", len(list), err)
		}
	})
}
