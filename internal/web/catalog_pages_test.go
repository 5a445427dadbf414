package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ncms/internal/access"
	"ncms/internal/catalog"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/httpx"
)

// upload posts a file as the multipart field "file" with the CSRF token.
func (c *client) upload(path, filename string, content []byte) resp {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField(httpx.CSRFField, c.csrf())
	fw, _ := mw.CreateFormFile("file", filename)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// badCatalog has a title row, then the header (row 2) and rows 3–6 with
// problems in rows 4–6.
const badCatalog = "2024年药品目录\n" +
	"编码,名称,类型,类别,自付比例,单价,生效日期\n" +
	"X001,阿莫西林胶囊,药品,甲,,0.25,2024-01-01\n" +
	"X002,头孢克肟胶囊,药品,丁,0.1,3.2,2024-01-01\n" +
	"X003,国产人工髋关节,诊疗项目,乙,1.5,20000,2024-01-01\n" +
	"X001,阿莫西林胶囊,药品,甲,,0.25,2024-13-01\n"

func TestCatalogPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		if r := admin.get("/catalog/import"); r.Status != 200 || !strings.Contains(r.Body, `href="/catalog"`) {
			t.Fatalf("import page (and nav link): %d", r.Status)
		}
		// Templates: CSV with BOM and Chinese header; XLSX.
		if r := admin.get("/catalog/template"); r.Status != 200 || !strings.HasPrefix(r.Body, "\uFEFF编码,名称,类型,类别") {
			t.Fatalf("CSV template: %d %.60q", r.Status, r.Body)
		}
		r := admin.get("/catalog/template?format=xlsx")
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatalf("XLSX template: %v", err)
		}
		if rows, _ := x.GetRows(x.GetSheetList()[0]); len(rows) != 4 || rows[0][0] != "编码" {
			t.Fatalf("XLSX template rows = %v", rows)
		}
		// A file with problems: every one listed by row and column, nothing written.
		r = admin.upload("/catalog/import", "目录.csv", []byte(badCatalog))
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad file: %d", r.Status)
		}
		for _, want := range []string{"<td>4</td><td>类别</td>", "<td>5</td><td>自付比例</td>", "<td>6</td><td>生效日期</td>",
			"<td>6</td><td>编码</td><td>编码与第3行重复", "未写入任何数据"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("report lacks %q", want)
			}
		}
		if n := countRows(t, d, "catalog_entries"); n != 0 {
			t.Fatalf("%d entries written by a refused file", n)
		}
		if !strings.Contains(r.Body, "编码与第3行重复") || strings.Contains(r.Body, `<div class="error" role="alert"></div>`) {
			t.Error("empty field error shown")
		}
		if r := admin.upload("/catalog/import", "a.pdf", []byte("x")); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "只支持 CSV 或 XLSX") {
			t.Fatalf("pdf: %d", r.Status)
		}
		if r := admin.post("/catalog/import", url.Values{}); r.Status == http.StatusOK || r.Status == http.StatusSeeOther {
			t.Fatalf("no file: %d", r.Status)
		}
		// The template imports; a later version of one item makes a second version.
		var csv bytes.Buffer
		if err := catalog.WriteCSV(&csv, catalog.Template()); err != nil {
			t.Fatal(err)
		}
		if r := admin.upload("/catalog/import", "template.csv", csv.Bytes()); r.Status != http.StatusSeeOther {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		if r := admin.get("/catalog/import"); !strings.Contains(r.Body, "已导入 3 行：新增 3") {
			t.Fatal("import summary not shown")
		}
		v2 := "编码,名称,类型,类别,自付比例,生效日期\nXJ01DDA080A001010101445,头孢克肟胶囊,药品,乙,15%,2025-01-01\n"
		if r := admin.upload("/catalog/import", "v2.csv", []byte(v2)); r.Status != http.StatusSeeOther {
			t.Fatalf("second version: %d %s", r.Status, r.Body)
		}
		r = admin.get("/catalog/items/XJ01DDA080A001010101445")
		if r.Status != 200 || !strings.Contains(r.Body, "15%") || !strings.Contains(r.Body, "10%") || !strings.Contains(r.Body, "2024-12-31") {
			t.Fatalf("item versions: %d", r.Status)
		}
		if r := admin.get("/catalog/items/NOPE"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown item: %d", r.Status)
		}
		// Search on a date: the version valid then.
		r = admin.get("/catalog?q=头孢&date=2024-06-01")
		if r.Status != 200 || !strings.Contains(r.Body, "10%") || strings.Contains(r.Body, "15%") {
			t.Fatalf("search 2024: %d", r.Status)
		}
		if r := admin.get("/catalog?class=B&date=2025-06-01"); !strings.Contains(r.Body, "15%") || !strings.Contains(r.Body, "国产人工髋关节") || strings.Contains(r.Body, "阿莫西林") {
			t.Fatal("search class B 2025")
		}
		if r := admin.get("/catalog?date=2024-13-01&class=Z"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "日期格式应为") || !strings.Contains(r.Body, "类别应为") {
			t.Fatalf("bad search: %d", r.Status)
		}
		r = admin.get("/catalog?date=2025-06-01&format=xlsx")
		if x, err = excelize.OpenReader(strings.NewReader(r.Body)); err != nil {
			t.Fatalf("export: %v", err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 4 || rows[0][0] != "编码" {
			t.Fatalf("export rows = %v", rows)
		}
		// The export is itself an importable file (same columns): re-importing changes nothing.
		var out bytes.Buffer
		_ = x.Write(&out)
		if r := admin.upload("/catalog/import", "export.xlsx", out.Bytes()); r.Status != http.StatusSeeOther {
			t.Fatalf("re-import of the export: %d %s", r.Status, r.Body)
		}
		if r := admin.get("/catalog/import"); !strings.Contains(r.Body, "未变 3") {
			t.Fatal("re-import changed something")
		}

		// Other roles read but may not import.
		a.addUser(t, "clerk", access.Enrollment, a.county)
		clerk := a.client(t).login("clerk", "user-pass-1")
		if r := clerk.get("/catalog"); r.Status != 200 || strings.Contains(r.Body, `id="cat-import"`) {
			t.Fatalf("clerk search: %d", r.Status)
		}
		if r := clerk.get("/catalog/import"); r.Status != http.StatusForbidden {
			t.Fatalf("clerk import page: %d", r.Status)
		}
		if r := clerk.upload("/catalog/import", "template.csv", csv.Bytes()); r.Status != http.StatusForbidden {
			t.Fatalf("clerk import: %d", r.Status)
		}
		if r := clerk.get("/catalog/items/XJ01DDA080A001010101445"); r.Status != 200 {
			t.Fatalf("clerk item: %d", r.Status)
		}
	})
}

// TestCatalogSearchSort: the catalogue search sorts (in the service, by a
// whitelisted column) both ways, the page, its aria-sort and the Excel file
// alike; an unknown or unsortable column is ignored (by code).
func TestCatalogSearchSort(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		a := newTestApp(t, d)
		admin := a.client(t).login("admin", testAdminPW)
		var csv bytes.Buffer
		if err := catalog.WriteCSV(&csv, catalog.Template()); err != nil {
			t.Fatal(err)
		}
		if r := admin.upload("/catalog/import", "template.csv", csv.Bytes()); r.Status != http.StatusSeeOther {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		const hip, amox, cefix = "C330800001", "XJ01CAA040A001010101445", "XJ01DDA080A001010101445"
		codeRE := regexp.MustCompile(`<td class="mono"><a href="/catalog/items/([^"]+)">`)
		codes := func(body string) string {
			var out []string
			for _, m := range codeRE.FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return strings.Join(out, ",")
		}
		byCode := strings.Join([]string{hip, amox, cefix}, ",")
		base := "/catalog?date=2025-06-01"
		for _, tc := range []struct{ query, want, aria string }{
			{"", byCode, `aria-sort="ascending"><a class="sort sort-ascending" href="/catalog?date=2025-06-01&amp;dir=desc&amp;sort=code"`},
			{"&sort=code&dir=desc", strings.Join([]string{cefix, amox, hip}, ","), `aria-sort="descending"><a class="sort sort-descending" href="/catalog?date=2025-06-01&amp;sort=code"`},
			{"&sort=price", strings.Join([]string{amox, cefix, hip}, ","), `aria-sort="ascending"><a class="sort sort-ascending" href="/catalog?date=2025-06-01&amp;dir=desc&amp;sort=price"`},
			{"&sort=price&dir=desc", strings.Join([]string{hip, cefix, amox}, ","), `aria-sort="descending"`},
			{"&sort=ceiling&dir=desc", strings.Join([]string{cefix, hip, amox}, ","), `aria-sort="descending"`}, // ties by code
			{"&sort=price&dir=desc&class=B", strings.Join([]string{hip, cefix}, ","), `aria-sort="descending"`},
			{"&sort=selfpay&dir=desc", byCode, `aria-sort="ascending"><a class="sort sort-ascending" href="/catalog?date=2025-06-01&amp;dir=desc&amp;sort=code"`},
			{"&sort=price%3B+DROP+TABLE+catalog_entries&dir=desc", byCode, `aria-sort="ascending"`},
		} {
			r := admin.get(base + tc.query)
			if r.Status != 200 || codes(r.Body) != tc.want {
				t.Errorf("%s: %d, rows %s, want %s", tc.query, r.Status, codes(r.Body), tc.want)
			}
			if !strings.Contains(r.Body, tc.aria) || strings.Count(r.Body, `aria-sort="ascending"`)+strings.Count(r.Body, `aria-sort="descending"`) != 1 {
				t.Errorf("%s: header lacks %s", tc.query, tc.aria)
			}
		}
		if n := countRows(t, d, "catalog_entries"); n != 3 {
			t.Fatalf("%d entries", n)
		}
		r := admin.get(base + "&sort=price&dir=desc&format=xlsx")
		x, err := excelize.OpenReader(strings.NewReader(r.Body))
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		rows, _ := x.GetRows(x.GetSheetList()[0])
		if len(rows) != 4 || rows[0][0] != "编码" || rows[1][0] != hip || rows[2][0] != cefix || rows[3][0] != amox {
			t.Fatalf("export rows = %v", rows)
		}
	})
}
