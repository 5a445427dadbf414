// Package importfile reads tabular files that clerks upload: CSV (UTF-8 with
// or without BOM, or GB18030 as Chinese Excel saves it, detected
// automatically) and XLSX (first sheet, streamed). A header row names the
// columns; each column of the caller's schema accepts several header names
// (Chinese, English, common variants). Rows are numbered as the user sees
// them in Excel: the first line of the file is row 1.
//
// The package knows nothing of what the rows mean; the household import and
// the catalogue import build on it. Problems with the file itself (size,
// encoding, missing columns) are *apperr.Error values with row and column.
package importfile

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"ncms/internal/apperr"
)

// Column is one column of a file schema.
type Column struct {
	// Key is the stable name the caller reads the column by, e.g. "id_number".
	Key string
	// Names are the header texts accepted for the column; the first is the
	// one shown to users (and written into templates). Matching ignores case,
	// spaces, '_', '-', '*' and notes in parentheses: "身份证号（18位）",
	// "*姓名" and "ID Number" all match.
	Names []string
	// Required columns must be present in the header row.
	Required bool
}

// Display returns the column's display name (its first name).
func (c Column) Display() string {
	if len(c.Names) == 0 {
		return c.Key
	}
	return c.Names[0]
}

// Defaults of Options.
const (
	DefaultMaxBytes     = 512 << 20 // 512 MiB: a million-person CSV is about 100 MiB
	DefaultMaxRows      = 2_000_000
	DefaultHeaderSearch = 10
)

// Options configure a Reader.
type Options struct {
	Columns []Column
	// MaxBytes refuses larger files (default DefaultMaxBytes).
	MaxBytes int64
	// MaxRows refuses files with more data rows (default DefaultMaxRows).
	MaxRows int
	// HeaderSearch is how many leading rows may come before the header row
	// (a title such as "某某乡参合花名册"); the header is the first row that
	// names every required column. Default DefaultHeaderSearch.
	HeaderSearch int
}

func (o Options) norm() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.HeaderSearch <= 0 {
		o.HeaderSearch = DefaultHeaderSearch
	}
	return o
}

// Format names how a file was read.
type Format string

// The formats Open recognises.
const (
	CSVUTF8    Format = "csv-utf8"
	CSVUTF8BOM Format = "csv-utf8-bom"
	CSVGB18030 Format = "csv-gb18030"
	XLSX       Format = "xlsx"
)

// source yields raw rows (nil slice for an empty row) and how far it got.
type source interface {
	next() ([]string, int, error) // cells and row number (first line = 1); io.EOF at the end
	offset() int64                // bytes of the file consumed, approximately
	close() error
}

// Reader reads the data rows of one file.
type Reader struct {
	opt     Options
	r       io.ReadSeeker
	name    string
	size    int64
	format  Format
	src     source
	row     int            // row number of the last row read
	data    int            // data rows returned
	index   map[string]int // key -> cell index
	headers []string       // header texts of the file
	hdrRow  int
	unknown []string
}

// Open reads the header of r, a file named name (its extension chooses CSV
// or XLSX). The reader keeps r; Reset reads it again from the start.
func Open(r io.ReadSeeker, name string, opt Options) (*Reader, error) {
	rd := &Reader{opt: opt.norm(), r: r, name: name}
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	rd.size = size
	if size > rd.opt.MaxBytes {
		return nil, TooLarge(fmt.Sprintf("文件过大（%s，上限%s）", human(size), human(rd.opt.MaxBytes)),
			fmt.Sprintf("file too large (%s; the limit is %s)", human(size), human(rd.opt.MaxBytes)))
	}
	if err := rd.Reset(); err != nil {
		return nil, err
	}
	return rd, nil
}

// Reset starts reading the data rows again from the first one after the
// header (used by imports that validate in one pass and write in another).
func (rd *Reader) Reset() error {
	if rd.src != nil {
		_ = rd.src.close()
		rd.src = nil
	}
	if _, err := rd.r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	var err error
	switch ext := strings.ToLower(filepath.Ext(rd.name)); ext {
	case ".xlsx", ".xlsm":
		rd.format = XLSX
		rd.src, err = openXLSX(rd.r, rd.size)
	case ".csv", ".txt", "":
		rd.src, rd.format, err = openCSV(rd.r)
	case ".xls", ".et", ".wps":
		return fileErr("old_excel", "不支持旧版 .xls 文件，请在 Excel 中“另存为” .xlsx 或 CSV",
			"old .xls files are not supported; save as .xlsx or CSV in Excel")
	default:
		return fileErr("bad_type", "只支持 CSV 或 XLSX 文件（文件扩展名为"+ext+"）",
			"only CSV or XLSX files are accepted (got "+ext+")")
	}
	if err != nil {
		return err
	}
	rd.row, rd.data = 0, 0
	return rd.readHeader()
}

// readHeader finds the header row and maps its cells to columns.
func (rd *Reader) readHeader() error {
	var firstMissing []apperr.FieldError
	for i := 0; i < rd.opt.HeaderSearch; i++ {
		cells, num, err := rd.src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rd.readErr(err)
		}
		rd.row = num
		if blank(cells) {
			continue
		}
		missing, err := rd.mapHeader(cells)
		if err != nil {
			return err
		}
		if len(missing) == 0 {
			rd.hdrRow = rd.row
			return nil
		}
		if firstMissing == nil {
			firstMissing = missing
		}
	}
	if firstMissing == nil {
		return fileErr("empty", "文件为空（第1行应为表头）", "the file is empty (row 1 must be the header)")
	}
	e := apperr.Fields(firstMissing)
	e.Code, e.Zh, e.En = "missing_column", "表头缺少必填列", "required columns missing from the header row"
	return e
}

// mapHeader maps header cells to column keys; it returns the required
// columns it did not find, or an error for a column named twice.
func (rd *Reader) mapHeader(cells []string) ([]apperr.FieldError, error) {
	byName := map[string]string{}
	for _, c := range rd.opt.Columns {
		for _, n := range c.Names {
			byName[normHeader(n)] = c.Key
		}
		byName[normHeader(c.Key)] = c.Key
	}
	index := map[string]int{}
	var unknown []string
	for i, h := range cells {
		h = Clean(h)
		key, ok := byName[normHeader(h)]
		if !ok {
			if h != "" {
				unknown = append(unknown, h)
			}
			continue
		}
		if j, dup := index[key]; dup {
			return nil, &apperr.Error{Kind: apperr.Invalid, Code: "duplicate_column", Zh: "表头有重复的列", En: "a column appears twice in the header",
				Fields: []apperr.FieldError{{Row: rd.row, Field: h, Code: "duplicate_column",
					Zh: fmt.Sprintf("第%s列与第%s列是同一项（%s）", colName(i), colName(j), cells[j]),
					En: fmt.Sprintf("column %s repeats column %s (%s)", colName(i), colName(j), cells[j])}}}
		}
		index[key] = i
	}
	var missing []apperr.FieldError
	for _, c := range rd.opt.Columns {
		if _, ok := index[c.Key]; c.Required && !ok {
			missing = append(missing, apperr.FieldError{Row: rd.row, Field: c.Display(), Code: "missing_column",
				Zh: "缺少必填列“" + c.Display() + "”（可用列名：" + strings.Join(c.Names, "、") + "）",
				En: "missing required column " + c.Display() + " (accepted names: " + strings.Join(c.Names, ", ") + ")"})
		}
	}
	if len(missing) == 0 {
		rd.index, rd.unknown = index, unknown
		rd.headers = make([]string, len(cells))
		for i, h := range cells {
			rd.headers[i] = Clean(h)
		}
	}
	return missing, nil
}

// Next returns the next non-blank data row, or io.EOF after the last one.
// The returned Row is valid until the following call to Next.
func (rd *Reader) Next() (Row, error) {
	for {
		cells, num, err := rd.src.next()
		if err == io.EOF {
			return Row{}, io.EOF
		}
		if err != nil {
			return Row{}, rd.readErr(err)
		}
		rd.row = num
		if blank(cells) {
			continue
		}
		rd.data++
		if rd.data > rd.opt.MaxRows {
			return Row{}, TooLarge(fmt.Sprintf("数据行过多（上限%d行），请分成几个文件导入", rd.opt.MaxRows),
				fmt.Sprintf("too many rows (the limit is %d); split the file", rd.opt.MaxRows))
		}
		return Row{Num: rd.row, cells: cells, rd: rd}, nil
	}
}

func (rd *Reader) readErr(err error) error {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae
	}
	e := apperr.New(apperr.Invalid, "unreadable", "文件无法读取："+err.Error(), "cannot read the file: "+err.Error())
	e.Fields = []apperr.FieldError{{Row: rd.row + 1, Field: "file", Code: "unreadable", Zh: e.Zh, En: e.En}}
	return e
}

// Close releases the file's resources (not the io.ReadSeeker given to Open).
func (rd *Reader) Close() error {
	if rd.src == nil {
		return nil
	}
	err := rd.src.close()
	rd.src = nil
	return err
}

// Format reports how the file was read.
func (rd *Reader) Format() Format { return rd.format }

// Size is the file's size in bytes.
func (rd *Reader) Size() int64 { return rd.size }

// Offset is about how many bytes of the file have been read (for progress).
func (rd *Reader) Offset() int64 {
	if rd.src == nil {
		return 0
	}
	return rd.src.offset()
}

// HeaderRow is the row number of the header (1 unless title rows precede it).
func (rd *Reader) HeaderRow() int { return rd.hdrRow }

// Has reports whether the file has the column key.
func (rd *Reader) Has(key string) bool { _, ok := rd.index[key]; return ok }

// Unknown lists header cells that matched no column (ignored).
func (rd *Reader) Unknown() []string { return rd.unknown }

// ColumnName returns the header text of column key as written in the file,
// or its display name if the file lacks it: error reports name columns the
// way the clerk sees them.
func (rd *Reader) ColumnName(key string) string {
	if i, ok := rd.index[key]; ok && rd.headers[i] != "" {
		return rd.headers[i]
	}
	for _, c := range rd.opt.Columns {
		if c.Key == key {
			return c.Display()
		}
	}
	return key
}

// Row is one data row.
type Row struct {
	Num   int // row number as Excel shows it (the first line of the file is 1)
	cells []string
	rd    *Reader
}

// Get returns the cleaned cell of column key ("" when absent).
func (r Row) Get(key string) string {
	i, ok := r.rd.index[key]
	if !ok || i >= len(r.cells) {
		return ""
	}
	return Clean(r.cells[i])
}

// Clean trims a cell: spaces (also full-width and non-breaking), tabs, and
// the wrappers spreadsheets add to keep digits as text: ="0123" and a
// leading apostrophe.
func Clean(s string) string {
	s = strings.TrimFunc(s, isSpace)
	if strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`) && len(s) >= 3 {
		s = strings.TrimFunc(s[2:len(s)-1], isSpace)
	}
	if strings.HasPrefix(s, "'") {
		s = strings.TrimFunc(s[1:], isSpace)
	}
	return strings.TrimPrefix(s, "\uFEFF")
}

func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\u3000' || r == '\u00a0' || r == '\uFEFF'
}

// normHeader folds a header text for matching.
func normHeader(s string) string {
	s = strings.ToLower(Clean(s))
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '（' || r == '[' || r == '【':
			depth++
		case r == ')' || r == '）' || r == ']' || r == '】':
			if depth > 0 {
				depth--
			}
		case depth > 0, isSpace(r), r == '_', r == '-', r == '*', r == '＊', r == ':', r == '：':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, isSpace) != "" {
			return false
		}
	}
	return true
}

// colName returns the spreadsheet letter of 0-based column i (A, B, ..., AA).
func colName(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// TooLarge returns the error for a file over a limit.
func TooLarge(zh, en string) *apperr.Error {
	e := apperr.New(apperr.TooLarge, "file_too_large", zh, en)
	e.Fields = []apperr.FieldError{{Field: "file", Code: "file_too_large", Zh: zh, En: en}}
	return e
}

func fileErr(code, zh, en string) *apperr.Error {
	e := apperr.New(apperr.Invalid, code, zh, en)
	e.Fields = []apperr.FieldError{{Field: "file", Code: code, Zh: zh, En: en}}
	return e
}

func human(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
