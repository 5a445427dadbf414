package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

var pwRE = regexp.MustCompile(`password / 密码: (\S+)`)

func runCmd(t *testing.T, want int, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), args, &out, &errb); code != want {
		t.Fatalf("ncms %s: exit %d, want %d: %s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
	}
	return out.String() + errb.String()
}

func TestUserCommands(t *testing.T) {
	dsn := dbtest.SQLiteDSN(t)
	runCmd(t, 0, "init", "--db", dsn, "--county-code", "520222", "--county-name", "盘县")
	out := runCmd(t, 0, "user", "add", "--db", dsn, "--username", "clerk1", "--name", "王芳", "--role", "enrollment", "--area-code", "520222")
	if pwRE.FindStringSubmatch(out) == nil {
		t.Fatalf("no password: %s", out)
	}
	runCmd(t, 1, "user", "add", "--db", dsn, "--username", "clerk1", "--name", "王芳", "--role", "enrollment", "--area-code", "520222")
	runCmd(t, 1, "user", "add", "--db", dsn, "--username", "clerk2", "--name", "x", "--role", "enrollment", "--area-code", "999999")
	if out := runCmd(t, 0, "user", "list", "--db", dsn); !strings.Contains(out, "clerk1") || !strings.Contains(out, "admin") {
		t.Fatalf("list: %s", out)
	}
	// A locked-out administrator is let back in by reset-password.
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	svc := auth.New(d, auth.Options{})
	for i := 0; i < 5; i++ {
		_, _, _ = svc.Login(context.Background(), "admin", "wrong", "127.0.0.1", "")
	}
	if _, _, err := svc.Login(context.Background(), "admin", "wrong", "127.0.0.1", ""); err != auth.ErrLocked {
		t.Fatalf("not locked: %v", err)
	}
	m := pwRE.FindStringSubmatch(runCmd(t, 0, "user", "reset-password", "--db", dsn, "admin"))
	if m == nil {
		t.Fatal("no new password")
	}
	if _, p, err := svc.Login(context.Background(), "admin", m[1], "127.0.0.1", ""); err != nil || !p.MustChangePassword {
		t.Fatalf("login after reset: %+v %v", p, err)
	}
	runCmd(t, 0, "user", "disable", "--db", dsn, "clerk1")
	if out := runCmd(t, 0, "user", "list", "--db", dsn); !strings.Contains(out, "disabled") {
		t.Fatalf("list after disable: %s", out)
	}
	runCmd(t, 1, "user", "enable", "--db", dsn, "nobody")
	runCmd(t, 2, "user", "frobnicate")
}
