package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupRestoreCommands: init, backup, restore to a new path, restore
// again without --force (refused), with --force (done).
func TestBackupRestoreCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := "sqlite:" + filepath.Join(dir, "live.db")
	run := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := dispatch(ctx, args, &out, &errb)
		return code, out.String() + errb.String()
	}
	if code, out := run("init", "--db", src, "--county-code", "520222", "--county-name", "盘县"); code != 0 {
		t.Fatalf("init: %d %s", code, out)
	}
	file := filepath.Join(dir, "b.db")
	if code, out := run("backup", "--db", src, "--out", file); code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %d %s", code, out)
	}
	if code, out := run("backup", "--db", src); code != 2 {
		t.Fatalf("backup without --out: %d %s", code, out)
	}
	dst := "sqlite:" + filepath.Join(dir, "new", "ncms.db")
	if code, out := run("restore", "--db", dst, "--from", file); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %d %s", code, out)
	}
	if code, out := run("restore", "--db", dst, "--from", file); code != 1 || !strings.Contains(out, "--force") {
		t.Fatalf("restore over data: %d %s", code, out)
	}
	if code, out := run("restore", "--db", dst, "--from", file, "--force"); code != 0 {
		t.Fatalf("forced restore: %d %s", code, out)
	}
	if code, out := run("user", "list", "--db", dst); code != 0 || !strings.Contains(out, "admin") {
		t.Fatalf("restored database: user list: %d %s", code, out)
	}
}
