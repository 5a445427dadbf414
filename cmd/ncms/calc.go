package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"ncms/internal/engine"
	"ncms/internal/scheme"
)

// runCalc implements "ncms calc --scheme FILE [CASE.json | -]": settle one
// case with the compensation engine and print the result as JSON, or as
// readable text with --explain.
func runCalc(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("calc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	schemeFile := fs.String("scheme", "", "scheme file (YAML), e.g. schemes/chongqing-2013.yaml / 补偿方案文件")
	explain := fs.Bool("explain", false, "print readable text (Chinese + English) instead of JSON / 输出计算说明")
	trace := fs.Bool("trace", true, "include the trace in the JSON / JSON 中包含计算过程")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ncms calc --scheme FILE [--explain] [CASE.json | -]\n  the case format is in docs/calc.md / 案例格式见 docs/calc.md")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *schemeFile == "" || fs.NArg() > 1 {
		fs.Usage()
		return 2
	}
	s, err := loadScheme(*schemeFile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	in, err := readCase(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "ncms calc:", err)
		return 1
	}
	r, err := engine.Calculate(s, in, engine.Options{Trace: *trace || *explain})
	if err != nil {
		fmt.Fprintln(stderr, "ncms calc:", err)
		return 1
	}
	if *explain {
		err = engine.Explain(stdout, r)
	} else {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		err = enc.Encode(r)
	}
	if err != nil {
		fmt.Fprintln(stderr, "ncms calc:", err)
		return 1
	}
	return 0
}

func loadScheme(path string) (*scheme.Scheme, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ncms: cannot read scheme / 无法读取方案: %w", err)
	}
	return scheme.Parse(path, b)
}

func readCase(path string) (*engine.Input, error) {
	if path == "" || path == "-" {
		return engine.ParseCase(os.Stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read case / 无法读取案例: %w", err)
	}
	defer f.Close()
	in, err := engine.ParseCase(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// runScheme implements "ncms scheme check FILE...": validate scheme files
// and print a summary of each; errors name the file, line and key.
func runScheme(_ context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "check" {
		fmt.Fprintln(stderr, "usage: ncms scheme check FILE... / 校验补偿方案文件")
		return 2
	}
	code := 0
	for i, path := range args[1:] {
		s, err := loadScheme(path)
		var list scheme.ErrorList
		switch {
		case errors.As(err, &list):
			fmt.Fprintf(stderr, "%s: %d problem(s) / 发现 %d 处问题:\n%v\n", path, len(list), len(list), err)
			code = 1
			continue
		case err != nil:
			fmt.Fprintln(stderr, err)
			code = 1
			continue
		}
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		fmt.Fprintf(stdout, "%s: OK / 校验通过\n%s", path, scheme.Summary(s))
	}
	return code
}
