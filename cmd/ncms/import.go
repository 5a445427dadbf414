package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/importfile"
	"ncms/internal/registry"
)

const importUsage = `usage:
  ncms import households FILE [--json] [--max-errors N] [--db DSN]
  ncms import households --template [FILE.csv | FILE.xlsx]
  ncms import households --generate N FILE.csv [--seed S] [--county-code CODE]

Imports a household roster (CSV in UTF-8 or GB18030, or XLSX) in one
transaction: any bad row refuses the whole file, with every problem listed.
The columns are described in docs/import.md.
导入户籍花名册：全部正确才导入，任何一行有错则不导入并列出全部错误。列说明见 docs/import.md。
`

// importFlags are the flags of "ncms import households".
type importFlags struct {
	dsn        *string
	json       *bool
	template   *bool
	generate   *int
	seed       *uint64
	county     *string
	maxErrors  *int
	maxBytes   *int64
	positional []string
}

// runImport implements "ncms import households ...".
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "households" {
		fmt.Fprint(stderr, importUsage)
		return 2
	}
	fs, dsn := newFlags("import households", stderr)
	f := importFlags{dsn: dsn,
		json:      fs.Bool("json", false, "print a JSON summary {imported, households, errors} on stdout / 输出 JSON 结果"),
		template:  fs.Bool("template", false, "write an empty template (.xlsx or CSV with BOM; stdout when no FILE) / 生成空白模板"),
		generate:  fs.Int("generate", 0, "write a synthetic file of N made-up people (benchmarks) / 生成测试数据"),
		seed:      fs.Uint64("seed", 1, "seed of --generate"),
		county:    fs.String("county-code", "520123", "county code used by --generate"),
		maxErrors: fs.Int("max-errors", 100000, "problems listed at most (all are counted) / 最多列出的错误数"),
		maxBytes:  fs.Int64("max-bytes", importfile.DefaultMaxBytes, "largest file accepted, in bytes / 文件大小上限"),
	}
	fs.Usage = func() { fmt.Fprint(stderr, importUsage); fs.PrintDefaults() }
	if err := parseInterleaved(fs, args[1:], &f.positional); err != nil {
		return 2
	}
	switch {
	case *f.template:
		return writeTemplate(f, stdout, stderr)
	case *f.generate > 0:
		return generateFile(f, stderr)
	case len(f.positional) != 1:
		fs.Usage()
		return 2
	}
	return importHouseholds(ctx, f, stdout, stderr)
}

// parseInterleaved parses flags given before or after the positional
// arguments ("ncms import households a.csv --json").
func parseInterleaved(fs *flag.FlagSet, args []string, positional *[]string) error {
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		args = fs.Args()
		if len(args) == 0 {
			return nil
		}
		*positional = append(*positional, args[0])
		args = args[1:]
	}
}

func writeTemplate(f importFlags, stdout, stderr io.Writer) int {
	if len(f.positional) > 1 {
		fmt.Fprint(stderr, importUsage)
		return 2
	}
	w, name := stdout, "template.csv"
	if len(f.positional) == 1 {
		name = f.positional[0]
		file, err := os.Create(name)
		if err != nil {
			fmt.Fprintf(stderr, "ncms import: %v\n", err)
			return 1
		}
		defer file.Close()
		w = file
	}
	if err := importfile.WriteTemplate(w, name, registry.HouseholdColumns, nil); err != nil {
		fmt.Fprintf(stderr, "ncms import: %v\n", err)
		return 1
	}
	return 0
}

func generateFile(f importFlags, stderr io.Writer) int {
	if len(f.positional) != 1 {
		fmt.Fprint(stderr, importUsage)
		return 2
	}
	file, err := os.Create(f.positional[0])
	if err != nil {
		fmt.Fprintf(stderr, "ncms import: %v\n", err)
		return 1
	}
	n, err := registry.GenerateHouseholdCSV(file, registry.GenerateOptions{Persons: *f.generate, Seed: *f.seed, CountyCode: *f.county})
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "ncms import: %v\n", err)
		return 1
	}
	fmt.Fprintf(stderr, "wrote %d people in %d households to %s / 已生成\n", *f.generate, n, f.positional[0])
	return 0
}

// importHouseholds opens the file and the database and runs the import.
func importHouseholds(ctx context.Context, f importFlags, stdout, stderr io.Writer) int {
	path := f.positional[0]
	file, err := os.Open(path)
	if err != nil {
		return reportImport(f, stdout, stderr, registry.ImportResult{}, fmt.Errorf("cannot open %s / 无法打开文件: %w", path, err))
	}
	defer file.Close()
	rd, err := importfile.Open(file, filepath.Base(path), importfile.Options{Columns: registry.HouseholdColumns, MaxBytes: *f.maxBytes})
	if err != nil {
		return reportImport(f, stdout, stderr, registry.ImportResult{}, err)
	}
	defer rd.Close()
	d, ok := openDB(ctx, *f.dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	for _, u := range rd.Unknown() {
		fmt.Fprintf(stderr, "ncms import: column %q ignored / 已忽略未知列“%s”\n", u, u)
	}
	ctx = access.WithActor(ctx, cliActor())
	opt := registry.ImportOptions{FileName: filepath.Base(path), MaxErrors: *f.maxErrors}
	if isTerminal(stderr) {
		opt.Progress = progressPrinter(stderr)
	}
	res, err := registry.New(d, registry.Options{}).ImportHouseholds(ctx, rd, opt)
	return reportImport(f, stdout, stderr, res, err)
}

// cliActor is the administrator acting from the command line, named after
// the operating-system user for the audit trail.
func cliActor() access.Actor {
	a := access.System("import")
	if u, err := user.Current(); err == nil {
		a.Username = "cli:" + u.Username
	}
	return a
}

// importJSON is the summary printed by --json.
type importJSON struct {
	Imported     int         `json:"imported"`
	Households   int         `json:"households"`
	AreasCreated int         `json:"areas_created"`
	Rows         int         `json:"rows"`
	Errors       []rowErrorJ `json:"errors"`
	ErrorCount   int         `json:"error_count"`
	Message      string      `json:"message,omitempty"`
}

// rowErrorJ is one problem of the file.
type rowErrorJ struct {
	Row       int    `json:"row"`
	Column    string `json:"column"`
	Code      string `json:"code"`
	MessageZh string `json:"message_zh"`
	MessageEn string `json:"message_en"`
	Value     string `json:"value,omitempty"`
}

// reportImport prints the outcome and returns the exit code.
func reportImport(f importFlags, stdout, stderr io.Writer, res registry.ImportResult, err error) int {
	out := importJSON{Imported: res.Imported, Households: res.Households, AreasCreated: res.AreasCreated,
		Rows: res.Rows, Errors: []rowErrorJ{}, ErrorCount: res.ErrorCount}
	if err != nil {
		out.Imported, out.Households, out.AreasCreated = 0, 0, 0
		fields := res.Errors
		if e, ok := apperr.As(err); ok {
			out.Message = e.Zh + " / " + e.En
			if len(fields) == 0 {
				fields = e.Fields
			}
		} else {
			out.Message = err.Error()
		}
		for _, fe := range fields {
			out.Errors = append(out.Errors, rowErrorJ{fe.Row, fe.Field, fe.Code, fe.Zh, fe.En, fe.Value})
		}
		out.ErrorCount = max(out.ErrorCount, len(out.Errors))
	}
	if *f.json {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		_ = enc.Encode(out)
	} else {
		printImportText(stdout, stderr, out, res, err)
	}
	if err != nil {
		return 1
	}
	return 0
}

func printImportText(stdout, stderr io.Writer, out importJSON, res registry.ImportResult, err error) {
	if err == nil {
		fmt.Fprintf(stdout, "导入成功：%d 户 %d 人，新建地区 %d 个 / imported %d persons in %d households (%d new areas)\n",
			out.Households, out.Imported, out.AreasCreated, out.Imported, out.Households, out.AreasCreated)
		fmt.Fprintf(stdout, "用时 time: %.1fs (校验 validate %.1fs, 写入 write %.1fs)\n",
			(res.Validate + res.Write).Seconds(), res.Validate.Seconds(), res.Write.Seconds())
		return
	}
	fmt.Fprintf(stderr, "ncms import: %s\n", out.Message)
	for _, e := range out.Errors {
		where := e.Column
		if e.Row > 0 {
			where = fmt.Sprintf("第%d行 row %d, %s", e.Row, e.Row, e.Column)
		}
		val := ""
		if e.Value != "" {
			val = " [" + e.Value + "]"
		}
		fmt.Fprintf(stderr, "  %s: %s / %s%s\n", where, e.MessageZh, e.MessageEn, val)
	}
	if out.ErrorCount > len(out.Errors) {
		fmt.Fprintf(stderr, "  … 另有 %d 处错误未列出 / %d more not listed\n", out.ErrorCount-len(out.Errors), out.ErrorCount-len(out.Errors))
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// progressPrinter shows the import's progress on one terminal line.
func progressPrinter(w io.Writer) func(registry.ImportProgress) {
	names := map[string]string{"validate": "校验 validating", "write": "写入 writing"}
	return func(p registry.ImportProgress) {
		rate := float64(p.Rows) / max(p.Elapsed.Seconds(), 1e-3)
		line := fmt.Sprintf("\r%s: %d rows, %.0f rows/s", names[p.Phase], p.Rows, rate)
		if p.Size > 0 && p.Offset > 0 {
			line += fmt.Sprintf(", %d%%", p.Offset*100/p.Size)
		}
		if p.Done {
			line = fmt.Sprintf("\r%s: %d rows in %s", names[p.Phase], p.Rows, p.Elapsed.Round(time.Millisecond))
		}
		fmt.Fprint(w, line+strings.Repeat(" ", 12))
		if p.Done {
			fmt.Fprintln(w)
		}
	}
}
