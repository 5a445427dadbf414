package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCase: any case document gives a result or an error, never a panic,
// and every result keeps the HIS identities.
func FuzzCase(f *testing.F) {
	files, _ := filepath.Glob("../../examples/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{`{}`, `{"lines":[{"qty":"1e9"}]}`, `{"visit":{"kind":"inpatient","level":"county","start":"2024-02-30"}}`,
		`{"visit":{"kind":"inpatient","level":"9","start":"2024-02-03"},"lines":[{"id":"1","class":"B","qty":"-1","price":"9999999999","selfpay":"0.3"}]}`,
		`{"ytd":{"cat_base":"99999999999999999"}}`, `{"person":{"household_members":-5}}`} {
		f.Add([]byte(s))
	}
	schemes := []string{"one-stop", "chongqing-2013"}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseCase(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, name := range schemes {
			r, err := Calculate(load(t, name), in, Options{Trace: true})
			if err == nil {
				checkIdentities(t, r)
			}
		}
	})
}
