package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// ncms bench --only runs the sections named and nothing else; unknown
// sections and a negative --size are refused with exit code 2.
func TestBenchCommandSections(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		msg  string
	}{{[]string{"--only=import,nope"}, `"nope"`}, {[]string{"--size", "-5"}, "-5"}, {[]string{"--skip=pg:report"}, `"pg:report"`}} {
		var out, errb bytes.Buffer
		if code := dispatch(ctx, append([]string{"bench"}, c.args...), &out, &errb); code != 2 || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("bench %v: exit %d, want 2 with a message naming %s: %s", c.args, code, c.msg, errb.String())
		}
	}
	var out, errb bytes.Buffer
	code := dispatch(ctx, []string{"bench", "--pg", "", "--only=import", "--size", "400", "--runs", "1", "-q", "--json",
		"--schemes", "../../schemes"}, &out, &errb)
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, errb.String())
	}
	var rep struct {
		Sections []string `json:"sections"`
		HIS      []any    `json:"his"`
		Import   []struct {
			Engine  string `json:"engine"`
			Persons int    `json:"persons"`
		} `json:"import"`
		Memory []struct {
			Section string `json:"section"`
		} `json:"memory"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if strings.Join(rep.Sections, ",") != "import" || len(rep.HIS) != 0 || len(rep.Import) != 1 || rep.Import[0].Persons != 400 ||
		rep.Import[0].Engine != "sqlite" || len(rep.Memory) != 1 || rep.Memory[0].Section != "import" {
		t.Errorf("report: %s", out.String())
	}
}
