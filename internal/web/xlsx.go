package web

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/xuri/excelize/v2"
)

// Table is a list to export: a header row and data rows. Cells are
// strings, integers or times; money goes in as its exact decimal string
// (money.Fen.String()), never a float.
type Table struct {
	Sheet  string // sheet name (default "Sheet1")
	Header []string
	Rows   [][]any
}

// wantsXLSX reports whether the request asks for the Excel form of a list (?format=xlsx).
func wantsXLSX(r *http.Request) bool { return r.URL.Query().Get("format") == "xlsx" }

// writeXLSX sends t as an .xlsx download named filename (".xlsx" added).
// Use it for every table a page shows: the same rows, all pages.
func writeXLSX(w http.ResponseWriter, filename string, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := t.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	} else if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, len(t.Header))
	for i, h := range t.Header {
		head[i] = excelize.Cell{Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for i, row := range t.Rows {
		cells := make([]any, len(row))
		for j, v := range row {
			if tm, ok := v.(time.Time); ok {
				v = tm.In(china).Format("2006-01-02 15:04:05")
			}
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	name := filename + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"export.xlsx\"; filename*=UTF-8''%s", url.PathEscape(name)))
	_, err = f.WriteTo(w)
	return err
}
