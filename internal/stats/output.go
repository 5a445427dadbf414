package stats

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"ncms/internal/money"
)

// Formats are the output formats of a table.
var Formats = []string{"json", "csv", "xlsx"}

// Write writes t in format (json, csv or xlsx).
func Write(w io.Writer, t *Table, format string) error {
	switch format {
	case "csv":
		return WriteCSV(w, t)
	case "xlsx":
		return WriteXLSX(w, t)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// lines are the table as printed rows: title, unit and period, the
// Chinese and English header rows, the body and the totals row.
func (t *Table) body() [][]string {
	var out [][]string
	for _, r := range t.Rows {
		out = append(out, t.line(r))
	}
	if t.Total != nil {
		out = append(out, t.line(*t.Total))
	}
	return out
}

func (t *Table) line(r Row) []string {
	l := []string{r.Name}
	for _, v := range r.Cells {
		l = append(l, v.String())
	}
	return l
}

func (t *Table) headers() (zh, en []string) {
	for _, c := range t.Columns {
		zh, en = append(zh, c.Zh), append(en, c.En)
	}
	return zh, en
}

// WriteCSV writes the table as CSV (UTF-8 with a byte-order mark, so Excel
// opens it in Chinese): a title line, a line with the unit, scope and
// period, two header lines, the rows and the totals row.
func WriteCSV(w io.Writer, t *Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	zh, en := t.headers()
	all := [][]string{{t.Scope + t.Title}, {t.Unit, "统计期间：" + t.Period, "填报单位：" + t.Scope}, zh, en}
	all = append(all, t.body()...)
	if err := cw.WriteAll(all); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the table as a county statistical workbook: the title
// merged across the table, unit / scope / period, two header rows, the
// rows with numbers as numbers (money with 2 decimals, rates as
// percentages), and the totals row in bold.
func WriteXLSX(w io.Writer, t *Table) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	if t.Title != "" {
		sheet = t.Title
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
	}
	n := len(t.Columns)
	last, _ := excelize.ColumnNumberToName(n)
	titleStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16},
		Alignment: &excelize.Alignment{Horizontal: "center"}})
	border := []excelize.Border{{Type: "left", Style: 1}, {Type: "right", Style: 1}, {Type: "top", Style: 1}, {Type: "bottom", Style: 1}}
	headStyle, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", WrapText: true}})
	textStyle, _ := f.NewStyle(&excelize.Style{Border: border})
	moneyStyle, _ := f.NewStyle(&excelize.Style{Border: border, NumFmt: 4}) // #,##0.00
	countStyle, _ := f.NewStyle(&excelize.Style{Border: border, NumFmt: 3}) // #,##0
	rateStyle, _ := f.NewStyle(&excelize.Style{Border: border, NumFmt: 10}) // 0.00%
	decStyle, _ := f.NewStyle(&excelize.Style{Border: border, NumFmt: 2})   // 0.00
	boldMoney, _ := f.NewStyle(&excelize.Style{Border: border, NumFmt: 4, Font: &excelize.Font{Bold: true}})
	boldCount, _ := f.NewStyle(&excelize.Style{Border: border, NumFmt: 3, Font: &excelize.Font{Bold: true}})
	boldRate, _ := f.NewStyle(&excelize.Style{Border: border, NumFmt: 10, Font: &excelize.Font{Bold: true}})
	boldText, _ := f.NewStyle(&excelize.Style{Border: border, Font: &excelize.Font{Bold: true}})

	set := func(col, row int, v any, style int) error {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, cell, cell, style)
	}
	if err := f.MergeCell(sheet, "A1", last+"1"); err != nil {
		return err
	}
	if err := set(1, 1, t.Scope+t.Title, titleStyle); err != nil {
		return err
	}
	_ = f.SetCellValue(sheet, "A2", "填报单位："+t.Scope)
	_ = f.SetCellValue(sheet, "B2", "统计期间："+t.Period)
	lastCell, _ := excelize.CoordinatesToCellName(n, 2)
	_ = f.SetCellValue(sheet, lastCell, t.Unit)
	zh, en := t.headers()
	for i := range zh {
		if err := set(i+1, 3, zh[i], headStyle); err != nil {
			return err
		}
		if err := set(i+1, 4, en[i], headStyle); err != nil {
			return err
		}
	}
	rows := append([]Row{}, t.Rows...)
	if t.Total != nil {
		rows = append(rows, *t.Total)
	}
	for i, r := range rows {
		y := 5 + i
		bold := t.Total != nil && i == len(rows)-1
		ts := textStyle
		if bold {
			ts = boldText
		}
		if err := set(1, y, r.Name, ts); err != nil {
			return err
		}
		for j, v := range r.Cells {
			var val any = v.String()
			st := ts
			if v.Known && v.Kind != Text {
				switch v.Kind {
				case Amount:
					val, st = number(v.V, 2), pick(bold, boldMoney, moneyStyle)
				case Rate:
					val, st = number(v.V, 4), pick(bold, boldRate, rateStyle)
				case Decimal:
					val, st = number(v.V, 2), decStyle
				default:
					val, st = v.V, pick(bold, boldCount, countStyle)
				}
			}
			if err := set(j+2, y, val, st); err != nil {
				return err
			}
		}
	}
	_ = f.SetColWidth(sheet, "A", "A", 22)
	if n > 1 {
		second, _ := excelize.ColumnNumberToName(2)
		_ = f.SetColWidth(sheet, second, last, 15)
	}
	_, err := f.WriteTo(w)
	return err
}

func pick(b bool, x, y int) int {
	if b {
		return x
	}
	return y
}

// number is v ÷ 10^places as an exact decimal number for the sheet
// (strconv of the exact decimal string: no float arithmetic on money).
func number(v int64, places int) float64 {
	s := money.Fen(v).String()
	if places == 4 {
		s = money.Rate(v).Fraction()
	}
	x, _ := strconv.ParseFloat(s, 64)
	return x
}
