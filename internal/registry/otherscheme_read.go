package registry

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"ncms/internal/apperr"
)

// TODO(registry): switch to internal/importfile (the generic CSV/XLSX reader
// of the household import) when it lands; this small reader covers CSV in
// UTF-8 (with or without BOM) or GB18030, and the first sheet of an XLSX.

// otherHeaders maps accepted header names to columns of an other-scheme list.
var otherHeaders = map[string]string{
	"身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number", "证件号码": "id_number",
	"id_number": "id_number", "idcard": "id_number", "id": "id_number",
	"姓名": "name", "name": "name",
	"险种": "scheme", "参保险种": "scheme", "参保类型": "scheme", "险种类型": "scheme", "scheme": "scheme",
}

// ReadOtherList reads another scheme's list from a CSV or XLSX file (chosen
// by the file name's extension). The header row names the columns: 身份证号
// and 姓名 are required, 险种 is optional (城镇居民 / 城镇职工). Row numbers in
// the result count the header as row 1.
func ReadOtherList(r io.Reader, filename string) ([]OtherEntry, error) {
	var rows [][]string
	var err error
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx":
		rows, err = readXLSX(r)
	case ".csv", ".txt", "":
		rows, err = readCSV(r)
	default:
		return nil, apperr.Field("file", "bad_type", "只支持 CSV 或 XLSX 文件", "only CSV or XLSX files are accepted")
	}
	if err != nil {
		return nil, apperr.Field("file", "unreadable", "文件无法读取："+err.Error(), "cannot read the file: "+err.Error())
	}
	return otherEntriesFromRows(rows)
}

// otherEntriesFromRows maps header names to columns and reads the rows.
func otherEntriesFromRows(rows [][]string) ([]OtherEntry, error) {
	if len(rows) == 0 {
		return nil, apperr.Field("file", "empty", "文件为空", "the file is empty")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		if c, ok := otherHeaders[strings.ToLower(strings.TrimSpace(h))]; ok {
			if _, dup := col[c]; !dup {
				col[c] = i
			}
		}
	}
	for _, need := range []string{"id_number", "name"} {
		if _, ok := col[need]; !ok {
			return nil, apperr.Field("file", "missing_column", "缺少列：身份证号、姓名（表头在第1行）",
				"missing column: 身份证号 (ID number) and 姓名 (name) are required in the header row")
		}
	}
	cell := func(r []string, c string) string {
		i, ok := col[c]
		if !ok || i >= len(r) {
			return ""
		}
		return strings.TrimSpace(r[i])
	}
	var out []OtherEntry
	for i, r := range rows[1:] {
		if strings.TrimSpace(strings.Join(r, "")) == "" {
			continue
		}
		e := OtherEntry{Row: i + 2, IDNumber: cell(r, "id_number"), Name: cell(r, "name")}
		if t := cell(r, "scheme"); t != "" {
			if sc, ok := ParseScheme(t); ok {
				e.Scheme = sc
			} else {
				e.Scheme = Scheme(t) // refused, with its row, by ImportOtherList
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// readCSV reads a CSV in UTF-8 (BOM optional) or, failing that, GB18030.
func readCSV(r io.Reader) ([][]string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		if data, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
			return nil, fmt.Errorf("not UTF-8 or GB18030 text")
		}
	}
	cr := csv.NewReader(bufio.NewReader(bytes.NewReader(data)))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	return cr.ReadAll()
}

// readXLSX reads the first sheet of a workbook.
func readXLSX(r io.Reader) ([][]string, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("no sheet")
	}
	return f.GetRows(sheets[0])
}
