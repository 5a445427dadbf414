package catalog

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"

	"ncms/internal/importfile"
)

// MaxFileSize is the largest catalogue file accepted (the national drug
// list with every column is about 20 MB as XLSX).
const MaxFileSize = 64 << 20

// FileColumns is the schema of a catalogue file for importfile: one column
// per entry of Columns, with the header names accepted for it (Chinese,
// English, national field names). The first name is the template's.
var FileColumns = []importfile.Column{
	{Key: "med_list_codg", Names: []string{"编码", "med_list_codg", "code", "目录编码", "医保目录编码", "项目编码", "药品编码"}, Required: true},
	{Key: "name", Names: []string{"名称", "name", "项目名称", "药品名称", "通用名"}, Required: true},
	{Key: "kind", Names: []string{"类型", "kind", "目录类型", "项目类型"}, Required: true},
	{Key: "class", Names: []string{"类别", "class", "chrgitm_lv", "甲乙类", "收费项目等级", "等级"}, Required: true},
	{Key: "selfpay_prop", Names: []string{"自付比例", "selfpay_prop", "selfpay", "先行自付比例"}},
	{Key: "price_cap", Names: []string{"限价", "price_cap", "pric_uplmt_amt", "最高限价", "支付限价"}},
	{Key: "price", Names: []string{"单价", "price", "pric", "参考价", "价格"}},
	{Key: "unit", Names: []string{"单位", "unit"}},
	{Key: "spec", Names: []string{"规格", "spec", "剂型规格"}},
	{Key: "med_chrgitm_type", Names: []string{"收费项目类别", "med_chrgitm_type", "fee_type", "费用类别"}},
	{Key: "essential", Names: []string{"基本药物", "essential", "bas_medn_flag"}},
	{Key: "restricted", Names: []string{"限定使用", "restricted", "lmt_used_flag"}},
	{Key: "restriction", Names: []string{"限定范围", "restriction", "限定说明", "限定支付范围"}},
	{Key: "levels", Names: []string{"报销级别", "levels", "适用级别", "医院等级"}},
	{Key: "valid_from", Names: []string{"生效日期", "valid_from", "begndate", "开始日期"}},
	{Key: "valid_to", Names: []string{"失效日期", "valid_to", "enddate", "结束日期"}},
}

// ColumnName returns the display (template) name of a column key, e.g.
// "类别" for "class", or the key itself when it is not a column.
func ColumnName(key string) string {
	for _, c := range FileColumns {
		if c.Key == key {
			return c.Display()
		}
	}
	return key
}

// fileRow is one data row of a file: its row number as the spreadsheet
// shows it and its cells by column key.
type fileRow struct {
	num  int
	text Text
}

// readRows reads every data row of a catalogue file with importfile (CSV in
// UTF-8, UTF-8 with BOM or GB18030, or the first sheet of an XLSX; title
// rows before the header are allowed). Problems with the file itself are
// *apperr.Error values.
func readRows(r io.ReadSeeker, name string) ([]fileRow, error) {
	rd, err := importfile.Open(r, name, importfile.Options{Columns: FileColumns, MaxBytes: MaxFileSize})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	var out []fileRow
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		t := Text{}
		for _, c := range Columns {
			if rd.Has(c) {
				t[c] = row.Get(c)
			}
		}
		out = append(out, fileRow{num: row.Num, text: t})
	}
}

// ImportFile reads a catalogue file (see readRows) and imports it with the
// rules of Import: all or nothing, every problem reported with its row as
// the spreadsheet numbers it, its column and a reason.
func (s *Service) ImportFile(ctx context.Context, r io.ReadSeeker, name string) (ImportResult, error) {
	if _, err := admin(ctx); err != nil {
		return ImportResult{}, err
	}
	rows, err := readRows(r, name)
	if err != nil {
		return ImportResult{}, err
	}
	return s.importRows(ctx, rows)
}

// ReadFile reads a catalogue file into rows of cells for Import: rows[0]
// holds the canonical column names (Columns) and each data row sits at the
// index its spreadsheet row number minus one (skipped rows are empty), so
// Import reports the rows the clerk sees. Callers holding the file should
// prefer ImportFile.
func ReadFile(r io.Reader, filename string) ([][]string, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
		if err != nil {
			return nil, err
		}
		if len(data) > MaxFileSize {
			return nil, importfile.TooLarge("文件超过64MB", "the file is larger than 64 MB")
		}
		rs = bytes.NewReader(data)
	}
	rows, err := readRows(rs, filename)
	if err != nil {
		return nil, err
	}
	out := [][]string{append([]string(nil), Columns...)}
	for _, fr := range rows {
		for len(out) < fr.num-1 {
			out = append(out, nil)
		}
		cells := make([]string, len(Columns))
		for i, c := range Columns {
			cells[i] = fr.text[c]
		}
		out = append(out, cells)
	}
	return out, nil
}

// rowsCSV encodes rows as CSV for importfile (Import's in-memory rows).
func rowsCSV(rows [][]string) (*bytes.Reader, error) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if err := cw.WriteAll(rows); err != nil {
		return nil, err
	}
	return bytes.NewReader(buf.Bytes()), nil
}

// WriteCSV writes rows as CSV with a UTF-8 BOM (so that Excel opens the
// Chinese text correctly), e.g. the Template.
func WriteCSV(w io.Writer, rows [][]string) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}
