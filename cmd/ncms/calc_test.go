package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ncms/internal/engine"
	"ncms/internal/money"
)

func run(t *testing.T, f func(context.Context, []string, *bytes.Buffer, *bytes.Buffer) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := f(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func calcCmd(ctx context.Context, args []string, o, e *bytes.Buffer) int {
	return runCalc(ctx, args, o, e)
}
func schemeCmd(ctx context.Context, args []string, o, e *bytes.Buffer) int {
	return runScheme(ctx, args, o, e)
}

// repo returns a path relative to the repository root.
func repo(p string) string { return filepath.Join("..", "..", p) }

func TestCalcExamples(t *testing.T) {
	files, _ := filepath.Glob(repo("examples/*.json"))
	if len(files) < 4 {
		t.Fatalf("want example cases, got %v", files)
	}
	for _, f := range files {
		name := strings.SplitN(filepath.Base(f), ".", 2)[0]
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, out, errs := run(t, calcCmd, "--scheme", repo("schemes/"+name+".yaml"), f)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var r engine.Result
			if err := json.Unmarshal([]byte(out), &r); err != nil {
				t.Fatal(err)
			}
			if r.MedFee != r.FundTotal+r.Patient+r.Hospital || r.MedFee != r.FullOwn+r.OverLimit+r.FirstSelf+r.InScope {
				t.Fatalf("identities do not hold: %+v", r)
			}
			if len(r.Trace) == 0 {
				t.Fatal("no trace in JSON")
			}
			code, out, _ = run(t, calcCmd, "--scheme", repo("schemes/"+name+".yaml"), "--explain", f)
			if code != 0 || !strings.Contains(out, "个人负担") || !strings.Contains(out, "patient pays") {
				t.Fatalf("explain: exit %d\n%s", code, out)
			}
		})
	}
}

func TestCalcChongqingFigure(t *testing.T) {
	c := `{"person":{"tier":1},"visit":{"kind":"inpatient","level":"county","in_county":true,"start":"2013-05-01"},
	       "lines":[{"id":"1","class":"A","qty":"1","price":"10000"}]}`
	tmp := filepath.Join(t.TempDir(), "case.json")
	if err := os.WriteFile(tmp, []byte(c), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, calcCmd, "--scheme", repo("schemes/chongqing-2013.yaml"), "--trace=false", tmp)
	if code != 0 {
		t.Fatal(errs)
	}
	var r struct {
		Basic money.Fen `json:"hifp_pay"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Basic != money.MustParse("5820") {
		t.Fatalf("hifp_pay %s, err %v", r.Basic, err)
	}
}

func TestCalcErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("scheme: x\nperiod: {from: 2024-01-01, to: 2024-12-31}\nlevels: {a: 1}\nkinds: {k: {}}\nratios:\n  - ratio: 200%\n"), 0o600)
	badCase := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(badCase, []byte(`{"visit":{"kind":"nope","level":"county","start":"2013-01-02"},"extra":1}`), 0o600)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "usage"},
		{[]string{"--scheme", bad, badCase}, 1, "bad.yaml:6: ratios[0].ratio"},
		{[]string{"--scheme", repo("schemes/chongqing-2013.yaml"), badCase}, 1, "unknown field"},
		{[]string{"--scheme", repo("schemes/chongqing-2013.yaml"), "/nonexistent.json"}, 1, "cannot read case"},
	}
	for _, tc := range cases {
		code, _, errs := run(t, calcCmd, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

func TestSchemeCheck(t *testing.T) {
	files, _ := filepath.Glob(repo("schemes/*.yaml"))
	code, out, errs := run(t, schemeCmd, append([]string{"check"}, files...)...)
	if code != 0 || strings.Count(out, "OK / 校验通过") != len(files) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("scheme: x\nperiod: {from: 2024-01-01, to: 2024-12-31}\nlevels: {a: 1}\nkinds: {k: {}}\nratioz: []\n"), 0o600)
	code, _, errs = run(t, schemeCmd, "check", bad)
	if code != 1 || !strings.Contains(errs, "bad.yaml:5: ratioz: unknown key") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if code, _, _ := run(t, schemeCmd); code != 2 {
		t.Fatalf("usage exit %d", code)
	}
}

// TestDocsExamplesRun runs every "ncms calc" and "ncms scheme" command
// shown in docs/calc.md and docs/scheme.md, from the repository root.
func TestDocsExamplesRun(t *testing.T) {
	re := regexp.MustCompile(`(?m)^\$ ncms (calc|scheme) (.+)$`)
	n := 0
	for _, doc := range []string{"docs/calc.md", "docs/scheme.md"} {
		b, err := os.ReadFile(repo(doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			n++
			var args []string
			for _, a := range strings.Fields(m[2]) {
				if strings.HasPrefix(a, "schemes/") || strings.HasPrefix(a, "examples/") || strings.HasPrefix(a, "--scheme=") {
					a = strings.Replace(a, "schemes/", repo("schemes")+"/", 1)
					a = strings.Replace(a, "examples/", repo("examples")+"/", 1)
				}
				args = append(args, a)
			}
			f := calcCmd
			if m[1] == "scheme" {
				f = schemeCmd
			}
			if code, _, errs := run(t, f, args...); code != 0 {
				t.Errorf("%s: %q exits %d: %s", doc, m[0], code, errs)
			}
		}
	}
	if n < 3 {
		t.Fatalf("only %d examples found in the docs", n)
	}
}

// TestDocsCaseSampleParses checks the case document shown in docs/calc.md.
func TestDocsCaseSampleParses(t *testing.T) {
	b, err := os.ReadFile(repo("docs/calc.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```json\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("no json sample in docs/calc.md")
	}
	if _, err := engine.ParseCase(bytes.NewReader(m[1])); err != nil {
		t.Fatal(err)
	}
}
