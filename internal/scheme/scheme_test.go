package scheme

import (
	"os"
	"path/filepath"
	"testing"
)

func TestReferenceSchemesParse(t *testing.T) {
	files, _ := filepath.Glob("../../schemes/*.yaml")
	if len(files) < 6 {
		t.Fatalf("want 6 reference schemes, got %d", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(f, b); err != nil {
			t.Errorf("%s:\n%v", f, err)
		}
	}
}
