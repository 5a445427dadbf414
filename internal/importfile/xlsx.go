package importfile

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// maxUnzip bounds what an XLSX may expand to, against zip bombs.
const maxUnzip = 4 << 30

// openXLSX opens the first sheet of a workbook for streaming.
func openXLSX(r io.Reader, size int64) (source, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: maxUnzip, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, fileErr("bad_xlsx", "不是有效的 XLSX 文件："+err.Error(), "not a valid XLSX file: "+err.Error())
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, fileErr("empty", "工作簿中没有工作表", "the workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fileErr("bad_xlsx", fmt.Sprintf("无法读取工作表“%s”：%v", sheets[0], err),
			fmt.Sprintf("cannot read sheet %q: %v", sheets[0], err))
	}
	return &xlsxSource{f: f, rows: rows, size: size}, nil
}

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	size int64
	n    int
}

func (s *xlsxSource) next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, s.n, err
		}
		return nil, s.n, io.EOF
	}
	s.n++ // Rows.Next also stops at rows missing from the sheet XML
	cells, err := s.rows.Columns()
	return cells, s.n, err
}

// offset is unknown inside a compressed sheet; report rows as progress
// (callers show rows, and bytes only when they are meaningful).
func (s *xlsxSource) offset() int64 { return 0 }

func (s *xlsxSource) close() error {
	err := s.rows.Close()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}
