package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"ncms/internal/his"
	"ncms/internal/institution"
	"ncms/internal/setup"
)

// runSandbox creates the HIS vendors' sandbox county on a fresh database
// and writes its facts and credentials to --out (docs/his.md).
func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("sandbox", stderr)
	out := fs.String("out", "", "write the sandbox facts and credentials (JSON) to FILE (required)")
	schemeFile := fs.String("scheme", "schemes/chongqing-2013.yaml", "scheme A, shifted to the current year")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *out == "" {
		fmt.Fprintln(stderr, "ncms sandbox: --out FILE is required / 请指定 --out 输出文件")
		return 2
	}
	yaml, err := os.ReadFile(*schemeFile)
	if err != nil {
		fmt.Fprintf(stderr, "ncms sandbox: %v (use --scheme PATH) / 找不到补偿方案文件\n", err)
		return 1
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	key, err := institution.LoadKeyFor(d)
	if err != nil {
		fmt.Fprintf(stderr, "ncms sandbox: %v\n", err)
		return 1
	}
	f, err := his.CreateSandbox(ctx, d, his.SandboxOptions{SchemeFile: *schemeFile, SchemeYAML: yaml, Key: key})
	if errors.Is(err, setup.ErrInitialized) {
		fmt.Fprintln(stderr, "ncms sandbox: the database is already initialized; the sandbox needs a fresh one. Nothing changed. / 数据库已初始化，沙盒需要新数据库，未作任何修改")
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "ncms sandbox: %v\n", err)
		return 1
	}
	b, _ := json.MarshalIndent(f, "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o600); err != nil {
		fmt.Fprintf(stderr, "ncms sandbox: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "sandbox county %s (%s), scheme %s: %d institutions, %d persons, %d catalogue items → %s (keep it secret: it holds the HIS secrets) / 沙盒已创建\n",
		f.CountyName, f.MdtrtareaAdmvs, f.Scheme, len(f.Institutions), len(f.Persons), len(f.Catalogue), *out)
	return 0
}
