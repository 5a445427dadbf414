package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"ncms/internal/apperr"
	"ncms/internal/catalog"
	"ncms/internal/civil"
)

// runCatalog dispatches `ncms catalog import|list|show`.
func runCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	subs := map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"import": catImport, "list": catList, "show": catShow,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: ncms catalog import FILE.csv|FILE.xlsx [--json] | import --template\n"+
			"       ncms catalog list [--q TEXT] [--date YYYY-MM-DD] | show CODE [--date YYYY-MM-DD]")
		return 2
	}
	return subs[args[0]](ctx, args[1:], stdout, stderr)
}

// catSplitArgs separates positional arguments from flags so that FILE may
// come before or after them.
func catSplitArgs(args []string) (flags, pos []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			if (a == "--db" || a == "-db" || a == "--date" || a == "-date" || a == "--q" || a == "-q") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return flags, pos
}

func catImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("catalog import", stderr)
	asJSON := fs.Bool("json", false, "print the result (or the row errors) as JSON")
	template := fs.Bool("template", false, "print the import template (CSV) and exit")
	flags, pos := catSplitArgs(args)
	if err := fs.Parse(flags); err != nil {
		return 2
	}
	if *template {
		if err := catalog.WriteCSV(stdout, catalog.Template()); err != nil {
			fmt.Fprintf(stderr, "ncms: %v\n", err)
			return 1
		}
		return 0
	}
	if len(pos) != 1 {
		fmt.Fprintln(stderr, "ncms catalog import: give one FILE.csv or FILE.xlsx / 请给出一个文件")
		return 2
	}
	f, err := os.Open(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "ncms: %v\n", err)
		return 1
	}
	defer f.Close()
	rows, err := catalog.ReadFile(f, filepath.Base(pos[0]))
	if err != nil {
		return catImportErr(stdout, stderr, err, *asJSON)
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	res, err := catalog.New(d, catalog.Options{}).Import(instActor(ctx, "catalog"), rows)
	if err != nil {
		return catImportErr(stdout, stderr, err, *asJSON)
	}
	if *asJSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	fmt.Fprintf(stdout, "导入 %d 行 / imported %d rows: %d created 新增, %d new versions 新版本, %d updated 更正, %d unchanged 未变\n",
		res.Rows, res.Rows, res.Counts[catalog.Created], res.Counts[catalog.NewVersion],
		res.Counts[catalog.Updated], res.Counts[catalog.Unchanged])
	return 0
}

// catImportErr reports a failed import: nothing was written.
func catImportErr(stdout, stderr io.Writer, err error, asJSON bool) int {
	e, ok := apperr.As(err)
	if !asJSON || !ok {
		if ok && len(e.Fields) > 0 {
			fmt.Fprintln(stderr, "导入失败,未写入任何数据 / import failed, nothing was written")
		}
		return instPrintErr(stderr, err)
	}
	b, _ := json.MarshalIndent(map[string]any{"ok": false, "code": e.Code, "message_zh": e.Zh,
		"message_en": e.En, "errors": e.Fields}, "", "  ")
	fmt.Fprintln(stdout, string(b))
	return 1
}

func catList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("catalog list", stderr)
	q := fs.String("q", "", "part of the code or name")
	on := fs.String("date", "", "versions valid on this day (default today)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	day, ok := catDate(*on, stderr)
	if !ok {
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	list, total, err := catalog.New(d, catalog.Options{}).Search(instActor(ctx, "catalog"),
		catalog.Filter{Query: *q, On: day, Limit: 500})
	if err != nil {
		return instPrintErr(stderr, err)
	}
	if *asJSON {
		b, _ := json.MarshalIndent(list, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tKIND\tCLASS\tSELFPAY\tCAP\tLEVELS\tVALID")
	for _, e := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%v\t%s..%s\n", e.Code, e.Name, e.Kind, e.Class, e.SelfPay.Fraction(),
			e.PriceCap, e.Levels, e.ValidFrom, e.ValidTo)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d item(s)\n", total)
	return 0
}

func catDate(s string, stderr io.Writer) (civil.Date, bool) {
	if s == "" {
		return civil.Date{}, true
	}
	d, err := civil.Parse(s)
	if err != nil {
		fmt.Fprintf(stderr, "ncms: %v\n", err)
		return d, false
	}
	return d, true
}

func catShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("catalog show", stderr)
	on := fs.String("date", "", "the version valid on this day (default: every version)")
	flags, pos := catSplitArgs(args)
	if err := fs.Parse(flags); err != nil || len(pos) != 1 {
		fmt.Fprintln(stderr, "usage: ncms catalog show CODE [--date YYYY-MM-DD]")
		return 2
	}
	day, ok := catDate(*on, stderr)
	if !ok {
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	var out any
	var err error
	if day.IsZero() {
		out, err = catalog.New(d, catalog.Options{}).Versions(instActor(ctx, "catalog"), pos[0])
	} else {
		out, err = catalog.Lookup(ctx, d, pos[0], day)
	}
	if err != nil {
		return instPrintErr(stderr, err)
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Fprintln(stdout, string(b))
	return 0
}
