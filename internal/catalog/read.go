package catalog

import (
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

// TODO(catalog): switch to internal/importfile (the generic CSV/XLSX reader
// of the household import) when it lands.

// MaxFileSize is the largest catalogue file accepted (the national drug
// list with every column is about 20 MB as XLSX).
const MaxFileSize = 64 << 20

// ReadFile reads a catalogue file as rows of cells: CSV in UTF-8 (BOM
// optional) or GB18030, or the first sheet of an XLSX, chosen by the file
// name's extension.
func ReadFile(r io.Reader, filename string) ([][]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, apperr.New(apperr.TooLarge, "too_large", "文件超过64MB", "the file is larger than 64 MB")
	}
	var rows [][]string
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".xlsx":
		rows, err = readXLSX(data)
	case ".csv", ".txt", "":
		rows, err = readCSV(data)
	default:
		return nil, apperr.Field("file", "bad_type", "只支持 CSV 或 XLSX 文件", "only CSV or XLSX files are accepted")
	}
	if err != nil {
		return nil, apperr.Field("file", "unreadable", "文件无法读取:"+err.Error(), "cannot read the file: "+err.Error())
	}
	return rows, nil
}

func readCSV(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		var err error
		if data, err = simplifiedchinese.GB18030.NewDecoder().Bytes(data); err != nil {
			return nil, fmt.Errorf("not UTF-8 or GB18030 text")
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	return cr.ReadAll()
}

func readXLSX(data []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
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
