package catalog_test

import (
	"bytes"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/catalog"
	"ncms/internal/db/dbtest"
	"ncms/internal/importfile"
)

// FuzzCatalogImport: any bytes as a catalogue file, CSV or XLSX (xlsx
// chooses), give an import or a refusal naming rows and columns, never a
// panic or an internal error.
func FuzzCatalogImport(f *testing.F) {
	s := newService(dbtest.SQLite(f))
	var csvSeed bytes.Buffer
	if err := catalog.WriteCSV(&csvSeed, catalog.Template()); err != nil {
		f.Fatal(err)
	}
	var xlsxSeed bytes.Buffer
	tpl := catalog.Template()
	var cols []importfile.Column
	for _, name := range tpl[0] {
		cols = append(cols, importfile.Column{Key: name, Names: []string{name}})
	}
	if err := importfile.WriteTemplate(&xlsxSeed, "x.xlsx", cols, tpl[1:]); err != nil {
		f.Fatal(err)
	}
	f.Add(csvSeed.Bytes(), false)
	f.Add(xlsxSeed.Bytes(), true)
	for _, s := range []string{"", "编码,名称,类型,类别\nX1,a,药品,甲\n", "某县目录\n编码,名称,类型,类别,自付比例,限价\nX1,a,药品,乙,200%,-1\n",
		"编码,名称,类型,类别,生效日期,失效日期\nX1,a,药品,丙,2024-13-01,2023-01-01\nX1,b,耗材,乙,,\n",
		"code,name,kind,class,levels,price\nX1,a,drug,A,\"township,moon\",1e308\n"} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, xlsx bool) {
		name := "fuzz.csv"
		if xlsx {
			name = "fuzz.xlsx"
		}
		res, err := s.ImportFile(admin, bytes.NewReader(data), name)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("ImportFile: %v is not a user error", err)
			}
			return
		}
		if res.Rows == 0 || len(res.Actions) != res.Rows {
			t.Fatalf("import without an error: %+v", res)
		}
	})
}
