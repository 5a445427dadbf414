package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"ncms/internal/auth"
	"ncms/internal/setup"
)

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("init", stderr)
	code := fs.String("county-code", "", "county division code, 6 digits (GB/T 2260), e.g. 520222")
	name := fs.String("county-name", "", "county name, e.g. 盘县")
	adminUser := fs.String("admin", "admin", "username of the first administrator")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := setup.CheckCountyCode(*code); err != nil {
		fmt.Fprintf(stderr, "ncms init: %v\n", err)
		return 2
	}
	if strings.TrimSpace(*name) == "" {
		fmt.Fprintln(stderr, "ncms init: --county-name is required / 请填写县名")
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	pw, err := setup.Initialize(ctx, d, setup.Input{CountyCode: *code, CountyName: *name, Admin: *adminUser})
	if errors.Is(err, setup.ErrInitialized) {
		fmt.Fprintf(stderr, "ncms init: the database is already initialized; nothing changed / 数据库已初始化，未作任何修改\n")
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "ncms init: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "ncms initialized for %s (%s) / 初始化完成\n", *name, *code)
	fmt.Fprintf(stdout, "administrator / 管理员: %s\npassword / 密码: %s\n", auth.NormalizeUsername(*adminUser), pw)
	fmt.Fprintln(stdout, "The password is shown only this once: keep it safe. / 密码只显示这一次，请妥善保管。")
	return 0
}
