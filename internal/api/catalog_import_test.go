package api_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"ncms/internal/catalog"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// The API's catalogue import reads files as the console does
// (catalog.ImportFile): a title row above the header is allowed and a bad
// row is reported with the row number the spreadsheet shows; nothing is
// written unless every row is good.
func TestCatalogImportAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		tok := e.adminToken()
		var csv strings.Builder
		csv.WriteString("2026年药品目录\n")
		if err := catalog.WriteCSV(&csv, catalog.Template()); err != nil {
			t.Fatal(err)
		}
		good := csv.String()
		bad := strings.Replace(good, "阿莫西林胶囊,药品,甲", "阿莫西林胶囊,药品,丁", 1)
		if bad == good {
			t.Fatal("template changed: fix the test's bad row")
		}
		var out map[string]any
		if st := e.call("POST", "/api/v1/catalog/import?filename=items.csv", tok, bad, &out); st != http.StatusUnprocessableEntity ||
			!strings.Contains(fmtFields(out), "row 3") {
			t.Fatalf("bad file: %d %v", st, out)
		}
		var n int
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM catalog_entries`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d entries after a refused import (%v)", n, err)
		}
		// multipart, as a browser or curl -F sends it
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "items.csv")
		_, _ = fw.Write([]byte(good))
		_ = mw.Close()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/catalog/import", &body)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("multipart import: %d", res.StatusCode)
		}
		if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM catalog_entries`).Scan(&n); err != nil || n != 3 {
			t.Fatalf("%d entries after the import (%v)", n, err)
		}
	})
}

// fmtFields renders the error fields as "row N field; " items.
func fmtFields(out map[string]any) string {
	var b strings.Builder
	errObj, _ := out["error"].(map[string]any)
	fs, _ := errObj["fields"].([]any)
	for _, f := range fs {
		m, _ := f.(map[string]any)
		fmt.Fprintf(&b, "row %v %v; ", m["row"], m["field"])
	}
	return b.String()
}
