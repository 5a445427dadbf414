package main

import (
	"context"
	"fmt"
	"io"

	"ncms/internal/backup"
	"ncms/internal/institution"
)

// runBackup copies the database to a file while the server may keep
// running (SQLite: VACUUM INTO; PostgreSQL: pg_dump). docs/operations.md.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("backup", stderr)
	out := fs.String("out", "", "backup file to create (must not exist), e.g. /backup/ncms-2026-01-31.db")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "ncms backup: --out FILE is required / 请用 --out 指定备份文件")
		return 2
	}
	info, err := backup.Backup(ctx, *dsn, *out)
	if err != nil {
		fmt.Fprintf(stderr, "ncms backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written / 备份完成: %s (%s, %d bytes", info.File, info.Engine, info.Bytes)
	if info.Engine == "sqlite" {
		fmt.Fprintf(stdout, ", %d tables, schema version %d", info.Tables, info.SchemaVersion)
	}
	fmt.Fprintln(stdout, ")")
	fmt.Fprintf(stdout, "The installation key (%s, or $%s) is not in the backup: keep a copy of it apart from the backups.\n"+
		"安装密钥不在备份中，请另行妥善保管（不要与备份放在一起）。\n", institution.DefaultKeyFile(*dsn), institution.KeyEnv)
	return 0
}

// runRestore replaces the database with a backup (the server must be
// stopped). A database that holds data is replaced only with --force.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("restore", stderr)
	from := fs.String("from", "", "backup file written by ncms backup")
	force := fs.Bool("force", false, "overwrite a database that already holds data")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" {
		fmt.Fprintln(stderr, "ncms restore: --from FILE is required / 请用 --from 指定备份文件")
		return 2
	}
	info, err := backup.Restore(ctx, *dsn, *from, *force)
	if err != nil {
		fmt.Fprintf(stderr, "ncms restore: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored / 恢复完成: %s from %s (schema version %d)\n", *dsn, *from, info.SchemaVersion)
	fmt.Fprintf(stdout, "Before starting the server, put the installation key of the backed-up database at %s (or set $%s):\n"+
		"without it the institutions' HIS secrets cannot be read. / 启动前请将原安装密钥放到上述位置，否则机构密钥无法解密。\n",
		institution.DefaultKeyFile(*dsn), institution.KeyEnv)
	return 0
}
