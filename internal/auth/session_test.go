package auth

import (
	"errors"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

func TestLoginAndAuthenticate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctxBG
		tok, p, err := f.s.Login(ctx, " Admin ", f.adminPW, "10.0.0.1", "test")
		if err != nil {
			t.Fatalf("login: %v", err)
		}
		if p.Actor.Username != "admin" || p.Actor.Role != access.Admin || p.SessionID == 0 || p.ScopeName != "盘县" {
			t.Fatalf("principal = %+v", p)
		}
		a, err := f.s.Authenticate(ctx, tok)
		if err != nil {
			t.Fatalf("authenticate: %v", err)
		}
		if a.UserID != f.adminID || a.Scope.AreaID != f.county || a.Scope.AreaPath == "" {
			t.Fatalf("actor = %+v", a)
		}
		// Only the hash of the token is stored.
		var n int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, tok).Scan(&n); err != nil || n != 0 {
			t.Fatalf("raw token stored (%d, %v)", n, err)
		}
		for _, bad := range []string{"", "nonsense", tok + "x", "ncms_nonsense"} {
			if _, err := f.s.Authenticate(ctx, bad); !errors.Is(err, ErrNotAuthenticated) {
				t.Errorf("Authenticate(%q) = %v, want not authenticated", bad, err)
			}
		}
		_, _, err = f.s.Login(ctx, "admin", "wrong-password", "10.0.0.1", "")
		wantCode(t, err, "bad_credentials")
		_, _, err = f.s.Login(ctx, "nobody", "wrong-password", "10.0.0.1", "")
		wantCode(t, err, "bad_credentials")
		if err := f.s.Logout(access.WithActor(ctx, a), tok); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(ctx, tok); !errors.Is(err, ErrNotAuthenticated) {
			t.Fatalf("after logout: %v", err)
		}
		if got := countAction(t, d, "auth.login"); got != 1 {
			t.Errorf("auth.login audited %d times", got)
		}
		if got := countAction(t, d, "auth.login_failed"); got != 2 {
			t.Errorf("auth.login_failed audited %d times", got)
		}
		if got := countAction(t, d, "auth.logout"); got != 1 {
			t.Errorf("auth.logout audited %d times", got)
		}
	})
}

func TestLockoutAndRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctxBG
		for i := 0; i < 5; i++ {
			_, _, err := f.s.Login(ctx, "admin", "wrong", "10.0.0.9", "")
			wantCode(t, err, "bad_credentials")
			f.clk.Add(time.Minute)
		}
		// Locked: even the right password is refused, from any address.
		_, _, err := f.s.Login(ctx, "admin", f.adminPW, "10.0.0.1", "")
		wantCode(t, err, "account_locked")
		if countAction(t, d, "auth.locked") != 1 {
			t.Errorf("lockout not audited: %v", actions(t, d))
		}
		// The first failure leaves the 15-minute window after 11 more minutes.
		f.clk.Add(11 * time.Minute)
		if _, _, err := f.s.Login(ctx, "admin", f.adminPW, "10.0.0.1", ""); err != nil {
			t.Fatalf("after the window: %v", err)
		}

		// Per address: 20 failures over many usernames refuse the address.
		for i := 0; i < 20; i++ {
			_, _, err := f.s.Login(ctx, "guess"+string(rune('a'+i)), "wrong", "10.6.6.6", "")
			wantCode(t, err, "bad_credentials")
		}
		_, _, err = f.s.Login(ctx, "admin", f.adminPW, "10.6.6.6", "")
		wantCode(t, err, "rate_limited")
		if _, _, err := f.s.Login(ctx, "admin", f.adminPW, "10.0.0.1", ""); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctxBG
		// Idle: unused for 2 h ends the session.
		tok, _, err := f.s.Login(ctx, "admin", f.adminPW, "10.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		f.clk.Add(119 * time.Minute)
		if _, err := f.s.Authenticate(ctx, tok); err != nil {
			t.Fatalf("within idle timeout: %v", err)
		}
		f.clk.Add(2 * time.Hour)
		if _, err := f.s.Authenticate(ctx, tok); !errors.Is(err, ErrNotAuthenticated) {
			t.Fatalf("after idle timeout: %v", err)
		}
		// Absolute: used every hour, the session still ends 12 h after login.
		tok, _, err = f.s.Login(ctx, "admin", f.adminPW, "10.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		for h := 1; h < 12; h++ {
			f.clk.Add(time.Hour)
			if _, err := f.s.Authenticate(ctx, tok); err != nil {
				t.Fatalf("hour %d: %v", h, err)
			}
		}
		f.clk.Add(time.Hour)
		if _, err := f.s.Authenticate(ctx, tok); !errors.Is(err, ErrNotAuthenticated) {
			t.Fatalf("after 12 h: %v", err)
		}
	})
}

func TestChangePassword(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.ctxBG
		tok1, p1, err := f.s.Login(ctx, "admin", f.adminPW, "10.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		tok2, _, err := f.s.Login(ctx, "admin", f.adminPW, "10.0.0.3", "")
		if err != nil {
			t.Fatal(err)
		}
		actx := access.WithActor(ctx, p1.Actor)
		wantField(t, f.s.ChangePassword(actx, "wrong", "new-password-9", p1.SessionID), "old_password")
		wantField(t, f.s.ChangePassword(actx, f.adminPW, "short", p1.SessionID), "new_password")
		wantField(t, f.s.ChangePassword(actx, f.adminPW, f.adminPW, p1.SessionID), "new_password")
		if err := f.s.ChangePassword(actx, f.adminPW, "new-password-9", p1.SessionID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.Authenticate(ctx, tok1); err != nil {
			t.Errorf("own session ended: %v", err)
		}
		if _, err := f.s.Authenticate(ctx, tok2); !errors.Is(err, ErrNotAuthenticated) {
			t.Errorf("other session survived: %v", err)
		}
		if _, _, err := f.s.Login(ctx, "admin", f.adminPW, "10.0.0.1", ""); err == nil {
			t.Error("old password still works")
		}
		if _, _, err := f.s.Login(ctx, "admin", "new-password-9", "10.0.0.1", ""); err != nil {
			t.Errorf("new password: %v", err)
		}
		if countAction(t, d, "user.change_password") != 1 {
			t.Error("change not audited")
		}
	})
}

func TestCheckPassword(t *testing.T) {
	for _, c := range []struct {
		pw, code string
	}{
		{"", "password_short"}, {"abc1234", "password_short"}, {"五个汉字密码", "password_short"},
		{"aaaaaaaaaa", "password_weak"}, {"12345678", "password_weak"}, {"Password", "password_weak"},
		{"clerk.one", "password_username"}, {string(make([]byte, 73)), "password_long"},
		{"8chars!x", ""}, {"汉字密码也可以用的", ""}, {"correct horse battery", ""},
	} {
		err := CheckPassword("password", "clerk.one", c.pw)
		if c.code == "" {
			if err != nil {
				t.Errorf("%q: %v", c.pw, err)
			}
			continue
		}
		wantCode(t, err, c.code)
	}
	pw := GeneratePassword()
	if len(pw) != 16 || CheckPassword("p", "admin", pw) != nil {
		t.Errorf("generated %q", pw)
	}
}
