package scheme

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any input gives a Scheme or an error, never a panic.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../schemes/*.yaml")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "scheme: x", "a: &a [*a, *a]", "kinds: {x: 1}", "{", "- - -", "period: {from: 2013-02-30}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if (s == nil) == (err == nil) {
			t.Fatalf("want exactly one of scheme and error, got %v, %v", s, err)
		}
		if s != nil {
			_ = Summary(s)
		}
	})
}
