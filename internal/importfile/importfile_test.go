package importfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"ncms/internal/apperr"
)

var testCols = []Column{
	{Key: "id_number", Names: []string{"身份证号", "身份证号码", "id_number"}, Required: true},
	{Key: "name", Names: []string{"姓名", "name"}, Required: true},
	{Key: "phone", Names: []string{"联系电话", "手机号", "phone"}},
}

type rowOut struct {
	num             int
	id, name, phone string
}

func readAll(t *testing.T, data []byte, name string, opt Options) ([]rowOut, *Reader, error) {
	t.Helper()
	if opt.Columns == nil {
		opt.Columns = testCols
	}
	rd, err := Open(bytes.NewReader(data), name, opt)
	if err != nil {
		return nil, nil, err
	}
	defer rd.Close()
	var out []rowOut
	for {
		r, err := rd.Next()
		if err == io.EOF {
			return out, rd, nil
		}
		if err != nil {
			return out, rd, err
		}
		out = append(out, rowOut{r.Num, r.Get("id_number"), r.Get("name"), r.Get("phone")})
	}
}

func gb(t *testing.T, s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const sample = "姓名,身份证号码,手机号,备注\r\n张三,520123199001011234,13812345678,x\r\n\r\n李四 , 520123199202021234 ,,\r\n"

func TestEncodings(t *testing.T) {
	want := []rowOut{{2, "520123199001011234", "张三", "13812345678"}, {4, "520123199202021234", "李四", ""}}
	for _, tc := range []struct {
		name   string
		data   []byte
		format Format
	}{
		{"utf8", []byte(sample), CSVUTF8},
		{"bom", append([]byte("\xEF\xBB\xBF"), sample...), CSVUTF8BOM},
		{"gb18030", gb(t, sample), CSVGB18030},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, rd, err := readAll(t, tc.data, "people.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Format() != tc.format {
				t.Errorf("format = %s, want %s", rd.Format(), tc.format)
			}
			if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Errorf("rows = %+v, want %+v", got, want)
			}
			if u := rd.Unknown(); len(u) != 1 || u[0] != "备注" {
				t.Errorf("unknown = %v", u)
			}
			if rd.ColumnName("id_number") != "身份证号码" || rd.ColumnName("phone") != "手机号" {
				t.Errorf("column names %q %q", rd.ColumnName("id_number"), rd.ColumnName("phone"))
			}
		})
	}
}

func TestXLSX(t *testing.T) {
	var buf bytes.Buffer
	ex := [][]string{{"520123199001011234", "张三", "13812345678"}, {"", "", ""}, {"520123199202021234", "李四", ""}}
	if err := WriteTemplate(&buf, "t.xlsx", testCols, ex); err != nil {
		t.Fatal(err)
	}
	got, rd, err := readAll(t, buf.Bytes(), "upload.XLSX", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []rowOut{{2, "520123199001011234", "张三", "13812345678"}, {4, "520123199202021234", "李四", ""}}
	if rd.Format() != XLSX || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("rows = %+v (%s)", got, rd.Format())
	}
}

func TestCSVTemplateHasBOM(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, "t.csv", testCols, nil); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "\xEF\xBB\xBF身份证号,姓名,联系电话\r\n" {
		t.Fatalf("template = %q", buf.String())
	}
}

func TestHeaderVariants(t *testing.T) {
	data := "某某乡参合花名册,,\n*姓名（必填）, ID Number ,Phone\n王五,520123199001011234,\n"
	got, rd, err := readAll(t, []byte(data), "a.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rd.HeaderRow() != 2 || len(got) != 1 || got[0].num != 3 || got[0].name != "王五" {
		t.Fatalf("header row %d, rows %+v", rd.HeaderRow(), got)
	}
}

func TestFileErrors(t *testing.T) {
	big := "姓名,身份证号\n" + strings.Repeat("张三,520123199001011234\n", 100)
	for _, tc := range []struct {
		name, file, data string
		opt              Options
		kind             apperr.Kind
		code             string
	}{
		{"missing column", "a.csv", "姓名,电话\n张三,1\n", Options{}, apperr.Invalid, "missing_column"},
		{"duplicate column", "a.csv", "姓名,身份证号,身份证号码\n", Options{}, apperr.Invalid, "duplicate_column"},
		{"empty", "a.csv", "", Options{}, apperr.Invalid, "empty"},
		{"xls", "a.xls", "x", Options{}, apperr.Invalid, "old_excel"},
		{"pdf", "a.pdf", "x", Options{}, apperr.Invalid, "bad_type"},
		{"bad xlsx", "a.xlsx", "not a zip", Options{}, apperr.Invalid, "bad_xlsx"},
		{"too many bytes", "a.csv", big, Options{MaxBytes: 1000}, apperr.TooLarge, "file_too_large"},
		{"too many rows", "a.csv", big, Options{MaxRows: 50}, apperr.TooLarge, "file_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, []byte(tc.data), tc.file, tc.opt)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != tc.kind || e.Code != tc.code || len(e.Fields) == 0 {
				t.Fatalf("err = %#v, want %d/%s", err, tc.kind, tc.code)
			}
		})
	}
}

func TestMissingColumnsListedWithRow(t *testing.T) {
	_, _, err := readAll(t, []byte("电话\n1\n"), "a.csv", Options{})
	e, _ := apperr.As(err)
	if e == nil || len(e.Fields) != 2 || e.Fields[0].Row != 1 || e.Fields[0].Field != "身份证号" || e.Fields[1].Field != "姓名" {
		t.Fatalf("err = %#v", err)
	}
}

func TestUTF8ScanAcrossChunks(t *testing.T) {
	// A three-byte character straddling the 1 MiB chunk boundary is valid.
	data := []byte("姓名,身份证号\n" + strings.Repeat("a", 1<<20-len("姓名,身份证号\n")-1) + "中,1\n")
	got, rd, err := readAll(t, data, "a.csv", Options{})
	if err != nil || rd.Format() != CSVUTF8 || len(got) != 1 {
		t.Fatalf("format %v rows %d err %v", rd.Format(), len(got), err)
	}
	for _, n := range []int{0, 1, 2, 3, 5} {
		b := append(bytes.Repeat([]byte("a"), n), "中文"...)
		if v, _, _ := scanUTF8(bytes.NewReader(b)); !v {
			t.Errorf("scanUTF8(%q) = false", b)
		}
	}
	if v, _, _ := scanUTF8(bytes.NewReader([]byte{0xD6, 0xD0})); v { // GB18030 "中"
		t.Error("GB18030 bytes taken for UTF-8")
	}
}

func TestReset(t *testing.T) {
	rd, err := Open(bytes.NewReader([]byte(sample)), "a.csv", Options{Columns: testCols})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		n := 0
		for {
			if _, err := rd.Next(); err != nil {
				break
			}
			n++
		}
		if n != 2 {
			t.Fatalf("pass %d: %d rows", i, n)
		}
		if err := rd.Reset(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		" a\t": "a", "\u3000张三\u00a0": "张三", `="0123"`: "0123", "'520123": "520123", "\uFEFF姓名": "姓名", "": "",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
	if colName(0) != "A" || colName(25) != "Z" || colName(26) != "AA" {
		t.Error("colName")
	}
}

func TestRowNumbersWithMultilineCells(t *testing.T) {
	data := "姓名,身份证号\n\"张\n三\",1\n\n李四,2\n"
	got, _, err := readAll(t, []byte(data), "a.csv", Options{})
	if err != nil || len(got) != 2 || got[0].num != 2 || got[1].num != 4 {
		t.Fatalf("rows %+v err %v", got, err)
	}
}
