// Package backup copies an ncms database to a file and back
// (docs/operations.md).
//
// SQLite: Backup runs `VACUUM INTO`, which reads the database in one read
// transaction, so the copy is consistent while the server keeps writing
// (WAL mode: writers are not blocked); the file is written beside the
// target and renamed into place only after its integrity check passes.
// Restore checks the file (integrity_check, schema version not newer than
// this binary's), refuses to overwrite a database that holds data unless
// forced, and replaces the database file (the server must be stopped).
//
// PostgreSQL: Backup runs pg_dump (custom format) and Restore pg_restore,
// when those tools are installed; otherwise both refuse with a pointer to
// docs/operations.md.
package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"ncms/internal/db"
)

// Info describes a backup file.
type Info struct {
	Engine        string // "sqlite" or "postgres"
	File          string
	Bytes         int64
	SchemaVersion int // highest migration in the copy (SQLite)
	Tables        int // tables in the copy (SQLite)
}

// ErrNotEmpty is returned by Restore when the target holds data and force is not set.
var ErrNotEmpty = errors.New("backup: the target database already holds data; use --force to overwrite it / 目标数据库已有数据，确需覆盖请加 --force")

// ErrNoTool is returned when a PostgreSQL tool is missing.
var ErrNoTool = errors.New("backup: pg_dump / pg_restore not found: install the PostgreSQL client tools, " +
	"or back up with your own pg_dump as described in docs/operations.md / 未找到 pg_dump，请见 docs/operations.md")

// Backup copies the database named by dsn to the file out, which must not exist.
func Backup(ctx context.Context, dsn, out string) (Info, error) {
	if out == "" {
		return Info{}, errors.New("backup: no output file / 请指定备份文件")
	}
	if _, err := os.Stat(out); err == nil {
		return Info{}, fmt.Errorf("backup: %s exists; choose a new file name / 备份文件已存在", out)
	}
	if isPostgres(dsn) {
		return pgDump(ctx, dsn, out)
	}
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		if _, err := os.Stat(path); err != nil {
			// Opening would create an empty database there.
			return Info{}, fmt.Errorf("backup: no database at %s / 数据库不存在: %w", path, err)
		}
	}
	d, err := db.OpenNoMigrate(ctx, dsn)
	if err != nil {
		return Info{}, err
	}
	defer d.Close()
	if d.Dialect() != db.SQLite {
		return Info{}, fmt.Errorf("backup: unsupported database %s", d.Redacted())
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return Info{}, err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return Info{}, err
	}
	tmp := abs + ".partial"
	_ = os.Remove(tmp)
	// VACUUM INTO reads in one transaction: a consistent snapshot while
	// the server writes; the copy is compact and has no WAL of its own.
	if _, err := d.SQL().ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		_ = os.Remove(tmp)
		return Info{}, fmt.Errorf("backup: VACUUM INTO: %w", err)
	}
	info, err := Check(ctx, tmp)
	if err != nil {
		_ = os.Remove(tmp)
		return Info{}, err
	}
	if err := syncFile(tmp); err != nil {
		_ = os.Remove(tmp)
		return Info{}, err
	}
	if err := os.Rename(tmp, abs); err != nil {
		_ = os.Remove(tmp)
		return Info{}, err
	}
	info.File = abs
	return info, nil
}

// Check opens a SQLite backup file read-only and verifies it: integrity
// check, a schema_migrations table, and a schema version no newer than
// this binary knows.
func Check(ctx context.Context, file string) (Info, error) {
	st, err := os.Stat(file)
	if err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	conn, err := sql.Open("sqlite", "file:"+file+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return Info{}, err
	}
	defer conn.Close()
	info := Info{Engine: "sqlite", File: file, Bytes: st.Size()}
	var res string
	if err := conn.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return Info{}, fmt.Errorf("backup: %s is not a SQLite database: %w / 不是有效的备份文件", file, err)
	}
	if res != "ok" {
		return Info{}, fmt.Errorf("backup: %s fails the integrity check: %s / 备份文件已损坏", file, res)
	}
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&info.SchemaVersion); err != nil {
		return Info{}, fmt.Errorf("backup: %s is not an ncms database (no schema_migrations) / 不是ncms数据库", file)
	}
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&info.Tables); err != nil {
		return Info{}, err
	}
	ms, err := db.Migrations()
	if err != nil {
		return Info{}, err
	}
	if latest := ms[len(ms)-1].Version; info.SchemaVersion > latest {
		return Info{}, fmt.Errorf("backup: %s has schema version %d, newer than this ncms (%d): use a newer ncms / 备份来自更新的版本",
			file, info.SchemaVersion, latest)
	}
	return info, nil
}

// Restore replaces the database named by dsn with the backup file from.
// A target holding data is refused unless force. For SQLite the server
// must be stopped; migrations newer than the backup are applied after the
// copy, and the restored database is checked again.
func Restore(ctx context.Context, dsn, from string, force bool) (Info, error) {
	if isPostgres(dsn) {
		return pgRestore(ctx, dsn, from, force)
	}
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok || path == "" {
		return Info{}, fmt.Errorf("backup: unsupported DSN for restore: %q (sqlite:PATH or postgres://...)", dsn)
	}
	info, err := Check(ctx, from)
	if err != nil {
		return Info{}, err
	}
	if !force {
		full, err := sqliteHasData(ctx, path)
		if err != nil {
			return Info{}, err
		}
		if full {
			return Info{}, ErrNotEmpty
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return Info{}, err
	}
	tmp := path + ".restoring"
	if err := copyFile(from, tmp); err != nil {
		_ = os.Remove(tmp)
		return Info{}, err
	}
	// The old database's WAL and shared-memory files belong to it, not to
	// the restored copy: remove them before the rename.
	for _, ext := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + ext); err != nil && !errors.Is(err, os.ErrNotExist) {
			_ = os.Remove(tmp)
			return Info{}, err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return Info{}, err
	}
	d, err := db.Open(ctx, dsn) // applies migrations newer than the backup
	if err != nil {
		return Info{}, err
	}
	defer d.Close()
	var res string
	if err := d.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil || res != "ok" {
		return Info{}, fmt.Errorf("backup: the restored database fails the integrity check: %s %v", res, err)
	}
	if info.SchemaVersion, err = d.SchemaVersion(ctx); err != nil {
		return Info{}, err
	}
	info.File = path
	return info, nil
}

// sqliteHasData reports whether the SQLite file at path exists and holds
// any row in any table other than the migration bookkeeping.
func sqliteHasData(ctx context.Context, path string) (bool, error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) || (err == nil && st.Size() == 0) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return false, err
	}
	defer conn.Close()
	tables, err := SQLiteTables(ctx, conn)
	if err != nil {
		return true, fmt.Errorf("backup: %s exists and cannot be read as SQLite (%v); use --force to overwrite it", path, err)
	}
	for _, t := range tables {
		if t == "schema_migrations" {
			continue
		}
		var one int
		err := conn.QueryRowContext(ctx, `SELECT 1 FROM "`+t+`" LIMIT 1`).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return true, err
		}
	}
	return false, nil
}

// SQLiteTables lists the user tables of a SQLite database, sorted.
func SQLiteTables(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// pgDump writes a custom-format dump (pg_restore reads it) of dsn to out.
// pg_dump takes its snapshot in one repeatable-read transaction, so the
// dump is consistent while the server writes.
func pgDump(ctx context.Context, dsn, out string) (Info, error) {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return Info{}, ErrNoTool
	}
	tmp := out + ".partial"
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--no-privileges", "--file="+tmp, "--dbname="+dsn)
	if msg, err := cmd.CombinedOutput(); err != nil {
		_ = os.Remove(tmp)
		return Info{}, fmt.Errorf("backup: pg_dump: %v: %s", err, redactOutput(msg, dsn))
	}
	if err := os.Rename(tmp, out); err != nil {
		return Info{}, err
	}
	st, err := os.Stat(out)
	if err != nil {
		return Info{}, err
	}
	return Info{Engine: "postgres", File: out, Bytes: st.Size()}, nil
}

// pgRestore loads a custom-format dump into dsn (an empty database, or
// any with force: the dump's objects are dropped first).
func pgRestore(ctx context.Context, dsn, from string, force bool) (Info, error) {
	bin, err := exec.LookPath("pg_restore")
	if err != nil {
		return Info{}, ErrNoTool
	}
	st, err := os.Stat(from)
	if err != nil {
		return Info{}, fmt.Errorf("backup: %w", err)
	}
	d, err := db.OpenNoMigrate(ctx, dsn)
	if err != nil {
		return Info{}, err
	}
	var n int
	err = d.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&n)
	d.Close()
	if err != nil {
		return Info{}, err
	}
	args := []string{"--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname=" + dsn}
	if n > 0 {
		if !force {
			return Info{}, ErrNotEmpty
		}
		args = append(args, "--clean", "--if-exists")
	}
	cmd := exec.CommandContext(ctx, bin, append(args, from)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return Info{}, fmt.Errorf("backup: pg_restore: %v: %s", err, redactOutput(msg, dsn))
	}
	d, err = db.Open(ctx, dsn)
	if err != nil {
		return Info{}, err
	}
	defer d.Close()
	info := Info{Engine: "postgres", File: from, Bytes: st.Size()}
	info.SchemaVersion, err = d.SchemaVersion(ctx)
	return info, err
}

// redactOutput removes the DSN (which may carry a password) from a tool's output.
func redactOutput(b []byte, dsn string) string {
	return strings.TrimSpace(strings.ReplaceAll(string(b), dsn, "***"))
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
