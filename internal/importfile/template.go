package importfile

import (
	"encoding/csv"
	"io"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
)

// WriteTemplate writes an empty file with the columns' display names as the
// header row, and the example rows if any: XLSX when name ends with .xlsx
// (every column formatted as text, so that Excel keeps ID numbers intact),
// otherwise CSV in UTF-8 with a BOM (so that Excel opens it correctly).
func WriteTemplate(w io.Writer, name string, cols []Column, examples [][]string) error {
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Display()
	}
	if strings.EqualFold(filepath.Ext(name), ".xlsx") {
		return writeXLSXTemplate(w, header, examples)
	}
	if _, err := w.Write(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(examples); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func writeXLSXTemplate(w io.Writer, header []string, examples [][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	last, _ := excelize.ColumnNumberToName(len(header))
	if err := f.SetColStyle(sheet, "A:"+last, text); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "A", last, 16); err != nil {
		return err
	}
	for r, row := range append([][]string{header}, examples...) {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = v
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return err
		}
	}
	if err := f.SetRowStyle(sheet, 1, 1, bold); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}
