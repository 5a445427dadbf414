package auth

import (
	"errors"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

func TestCreateUserValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		for _, c := range []struct {
			in    UserInput
			field string
		}{
			{UserInput{Username: "ab", DisplayName: "x", Role: access.Enrollment, AreaID: f.townA}, "username"},
			{UserInput{Username: "张三", DisplayName: "x", Role: access.Enrollment, AreaID: f.townA}, "username"},
			{UserInput{Username: "clerk", DisplayName: "", Role: access.Enrollment, AreaID: f.townA}, "display_name"},
			{UserInput{Username: "clerk", DisplayName: "x", Role: "boss", AreaID: f.townA}, "role"},
			{UserInput{Username: "clerk", DisplayName: "x", Role: access.Enrollment}, "area_id"},
			{UserInput{Username: "clerk", DisplayName: "x", Role: access.Enrollment, AreaID: 999}, "area_id"},
			{UserInput{Username: "clerk", DisplayName: "x", Role: access.Institution, AreaID: f.townA}, "institution_id"},
			{UserInput{Username: "clerk", DisplayName: "x", Role: access.Enrollment, AreaID: f.townA, Password: "clerk"}, "password"},
		} {
			_, _, err := f.s.CreateUser(f.adminCtx, c.in)
			wantField(t, err, c.field)
		}
		u, pw, err := f.s.CreateUser(f.adminCtx, UserInput{Username: "Clerk.A", DisplayName: " 王芳 ",
			Role: access.Enrollment, AreaID: f.townA})
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != "clerk.a" || u.DisplayName != "王芳" || u.AreaName != "红果镇" || !u.MustChangePassword || len(pw) != 16 {
			t.Fatalf("user = %+v, password %q", u, pw)
		}
		_, _, err = f.s.CreateUser(f.adminCtx, UserInput{Username: "clerk.a", DisplayName: "x", Role: access.Enrollment, AreaID: f.townB})
		wantCode(t, err, "username_taken")
		inst, _, err := f.s.CreateUser(f.adminCtx, UserInput{Username: "his.desk", DisplayName: "收费处",
			Role: access.Institution, InstitutionID: 7, AreaID: f.townA})
		if err != nil || inst.AreaID != 0 || inst.Scope().InstitutionID != 7 {
			t.Fatalf("institution user = %+v, %v", inst, err)
		}
		// The generated password works, and the principal must change it.
		_, p, err := f.s.Login(f.ctxBG, "clerk.a", pw, "10.0.0.2", "")
		if err != nil || !p.MustChangePassword || p.Actor.Scope.AreaID != f.townA {
			t.Fatalf("login = %+v, %v", p, err)
		}
		if countAction(t, d, "user.create") != 3 { // admin, clerk.a, his.desk
			t.Errorf("audit: %v", actions(t, d))
		}
	})
}

func TestAdminScopeAndRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerk, clerkCtx := f.user(t, access.Enrollment, f.townA)
		_, _, err := f.s.CreateUser(clerkCtx, UserInput{Username: "x1x", DisplayName: "x", Role: access.Enrollment, AreaID: f.townA})
		if apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("clerk creating a user: %v", err)
		}
		if _, _, err := f.s.Users(clerkCtx, UserFilter{}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("clerk listing users: %v", err)
		}
		// A township administrator works only inside the township.
		_, townAdmin := f.user(t, access.Admin, f.townA)
		_, _, err = f.s.CreateUser(townAdmin, UserInput{Username: "bclerk", DisplayName: "x", Role: access.Enrollment, AreaID: f.townB})
		wantCode(t, err, "scope")
		bUser, _ := f.user(t, access.Enrollment, f.townB)
		if _, err := f.s.User(townAdmin, bUser.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("township admin reading another township's user: %v", err)
		}
		if err := f.s.SetDisabled(townAdmin, bUser.ID, true); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("township admin disabling another township's user: %v", err)
		}
		list, total, err := f.s.Users(townAdmin, UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range list {
			if u.AreaID != f.townA {
				t.Errorf("township admin sees %s in area %d", u.Username, u.AreaID)
			}
		}
		if total != len(list) || total != 2 { // clerk and the township admin
			t.Errorf("total %d, list %d", total, len(list))
		}
		// The auditor reads everything but changes nothing.
		_, auditor := f.user(t, access.Auditor, f.county)
		if _, total, err := f.s.Users(auditor, UserFilter{Role: access.Enrollment}); err != nil || total != 2 {
			t.Fatalf("auditor list: %d, %v", total, err)
		}
		if _, err := f.s.ResetPassword(auditor, clerk.ID); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("auditor reset: %v", err)
		}
		// Nobody disables or demotes themselves.
		if err := f.s.SetDisabled(f.adminCtx, f.adminID, true); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("self-disable: %v", err)
		}
		_, err = f.s.UpdateUser(f.adminCtx, f.adminID, UserInput{DisplayName: "x", Role: access.Enrollment, AreaID: f.county})
		wantCode(t, err, "self")
	})
}

func TestDisableResetAndUpdate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerk, _ := f.user(t, access.Enrollment, f.townA)
		tok, p, err := f.s.Login(f.ctxBG, clerk.Username, "secret-pass-1", "10.0.0.2", "")
		if err != nil {
			t.Fatal(err)
		}
		_, apiTok, err := f.s.CreateToken(access.WithActor(f.ctxBG, p.Actor), "script", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetDisabled(f.adminCtx, clerk.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, tk := range []string{tok, apiTok} {
			if _, err := f.s.Authenticate(f.ctxBG, tk); !errors.Is(err, ErrNotAuthenticated) {
				t.Errorf("disabled user's credential still works: %v", err)
			}
		}
		_, _, err = f.s.Login(f.ctxBG, clerk.Username, "secret-pass-1", "10.0.0.2", "")
		wantCode(t, err, "account_disabled")
		if err := f.s.SetDisabled(f.adminCtx, clerk.ID, false); err != nil {
			t.Fatal(err)
		}
		tok, _, err = f.s.Login(f.ctxBG, clerk.Username, "secret-pass-1", "10.0.0.2", "")
		if err != nil {
			t.Fatalf("re-enabled: %v", err)
		}
		pw, err := f.s.ResetPassword(f.adminCtx, clerk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(f.ctxBG, tok); err == nil {
			t.Error("session survived a reset")
		}
		if _, p, err := f.s.Login(f.ctxBG, clerk.Username, pw, "10.0.0.2", ""); err != nil || !p.MustChangePassword {
			t.Errorf("login after reset: %+v %v", p, err)
		}
		u, err := f.s.UpdateUser(f.adminCtx, clerk.ID, UserInput{DisplayName: "李四", Role: access.Reviewer, AreaID: f.townB})
		if err != nil || u.Role != access.Reviewer || u.AreaID != f.townB || u.Username != clerk.Username {
			t.Fatalf("update = %+v, %v", u, err)
		}
		for _, a := range []string{"user.disable", "user.enable", "user.reset_password", "user.update"} {
			if countAction(t, d, a) != 1 {
				t.Errorf("%s not audited once: %v", a, actions(t, d))
			}
		}
		choices, err := f.s.AreaChoices(f.adminCtx)
		if err != nil || len(choices) != 3 || choices[0].ID != f.county || choices[1].Depth != 1 {
			t.Errorf("area choices = %+v, %v", choices, err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		clerk, clerkCtx := f.user(t, access.Enrollment, f.townA)
		_, otherCtx := f.user(t, access.Enrollment, f.townA)
		_, _, err := f.s.CreateToken(clerkCtx, " ", time.Time{})
		wantField(t, err, "name")
		_, _, err = f.s.CreateToken(clerkCtx, "old", f.clk.Now().Add(-time.Hour))
		wantField(t, err, "expires_at")
		tk, secret, err := f.s.CreateToken(clerkCtx, "nightly import", f.clk.Now().Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if !IsAPIToken(secret) || tk.Prefix != secret[:11] || tk.UserID != clerk.ID {
			t.Fatalf("token %+v secret %q", tk, secret)
		}
		_, _, err = f.s.CreateToken(clerkCtx, "nightly import", time.Time{})
		wantCode(t, err, "token_name_taken")
		a, err := f.s.Authenticate(f.ctxBG, secret)
		if err != nil || a.UserID != clerk.ID || a.Scope.AreaID != f.townA {
			t.Fatalf("authenticate token: %+v %v", a, err)
		}
		list, err := f.s.Tokens(clerkCtx, clerk.ID)
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil {
			t.Fatalf("tokens = %+v, %v", list, err)
		}
		if _, err := f.s.Tokens(otherCtx, clerk.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another clerk lists the tokens: %v", err)
		}
		if err := f.s.RevokeToken(otherCtx, tk.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another clerk revokes the token: %v", err)
		}
		// Expiry.
		f.clk.Add(49 * time.Hour)
		if _, err := f.s.Authenticate(f.ctxBG, secret); !errors.Is(err, ErrNotAuthenticated) {
			t.Errorf("expired token: %v", err)
		}
		// Revocation, by the administrator; a second revocation conflicts.
		tk2, secret2, err := f.s.CreateToken(clerkCtx, "second", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.RevokeToken(f.adminCtx, tk2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(f.ctxBG, secret2); !errors.Is(err, ErrNotAuthenticated) {
			t.Errorf("revoked token: %v", err)
		}
		wantCode(t, f.s.RevokeToken(clerkCtx, tk2.ID), "token_revoked")
		// The name is free again once revoked.
		if _, _, err := f.s.CreateToken(clerkCtx, "second", time.Time{}); err != nil {
			t.Errorf("reuse a revoked name: %v", err)
		}
		if countAction(t, d, "token.create") != 3 || countAction(t, d, "token.revoke") != 1 {
			t.Errorf("audit: %v", actions(t, d))
		}
	})
}
