package statement

import (
	"encoding/csv"
	"io"

	"github.com/xuri/excelize/v2"
)

// ExportHeader is the header row of a bank batch file.
var ExportHeader = []string{"序号 seq", "收款人 payee", "开户行 bank", "账号 account", "金额 amount", "摘要 reference"}

// exportRows returns the batch's active lines as text cells. Amounts are
// exact decimal strings (yuan with two places).
func exportRows(b Batch) [][]string {
	var out [][]string
	for _, it := range b.Lines {
		if !it.Active {
			continue
		}
		out = append(out, []string{itoa(it.Seq), it.Payee, it.BankName, it.Account, it.Amount.String(), it.Reference})
	}
	return out
}

// WriteCSV writes the batch file as UTF-8 CSV: the header, then one row
// per line still in the batch.
func WriteCSV(w io.Writer, b Batch) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportHeader); err != nil {
		return err
	}
	if err := cw.WriteAll(exportRows(b)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the batch file as an Excel workbook (sheet "batch").
// Every cell is text, so account numbers keep their leading zeros and
// amounts stay exact.
func WriteXLSX(w io.Writer, b Batch) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "batch"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	rows := append([][]string{ExportHeader}, exportRows(b)...)
	for i, row := range rows {
		for j, v := range row {
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			if err != nil {
				return err
			}
			if err := f.SetCellStr(sheet, cell, v); err != nil {
				return err
			}
		}
	}
	_, err := f.WriteTo(w)
	return err
}
