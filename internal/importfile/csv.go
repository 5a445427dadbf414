package importfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

var bom = []byte("\xEF\xBB\xBF")

// openCSV detects the encoding of r (one pass over the whole file: valid
// UTF-8 is UTF-8, anything else is GB18030) and returns a row source
// positioned at the start.
func openCSV(r io.ReadSeeker) (source, Format, error) {
	utf, hasBOM, err := scanUTF8(r)
	if err != nil {
		return nil, "", err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, "", err
	}
	cnt := &countingReader{r: r}
	br := bufio.NewReaderSize(cnt, 256<<10)
	var in io.Reader = br
	format := CSVUTF8
	switch {
	case hasBOM:
		_, _ = br.Discard(len(bom))
		format = CSVUTF8BOM
	case !utf:
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		format = CSVGB18030
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return &csvSource{cr: cr, cnt: cnt}, format, nil
}

// scanUTF8 reports whether all of r is valid UTF-8 and whether it starts
// with a BOM, reading it in chunks (a rune cut by a chunk boundary is
// carried to the next chunk).
func scanUTF8(r io.Reader) (valid, hasBOM bool, err error) {
	buf := make([]byte, 0, 1<<20+utf8.UTFMax)
	chunk := make([]byte, 1<<20)
	first := true
	for {
		n, err := io.ReadFull(r, chunk)
		buf = append(buf, chunk[:n]...)
		if first {
			hasBOM, first = bytes.HasPrefix(buf, bom), false
		}
		end := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !end {
			return false, false, err
		}
		cut := len(buf)
		if !end {
			cut = lastRuneStart(buf)
		}
		if !utf8.Valid(buf[:cut]) {
			return false, hasBOM, nil
		}
		if end {
			return true, hasBOM, nil
		}
		buf = append(buf[:0], buf[cut:]...)
	}
}

// lastRuneStart returns where an incomplete rune at the end of b starts, or
// len(b) when b ends on a rune boundary.
func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

type csvSource struct {
	cr    *csv.Reader
	cnt   *countingReader
	extra int // line breaks inside quoted cells so far
}

// next returns a record and its row as a spreadsheet shows it: the line it
// starts on, less the line breaks inside quoted cells of earlier records
// (encoding/csv skips blank lines, which still count as rows).
func (s *csvSource) next() ([]string, int, error) {
	rec, err := s.cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, pe.StartLine - s.extra, err
		}
		return nil, 0, err
	}
	line, _ := s.cr.FieldPos(0)
	row := line - s.extra
	for _, f := range rec {
		if strings.IndexByte(f, '\n') >= 0 {
			s.extra += strings.Count(f, "\n")
		}
	}
	return rec, row, nil
}

func (s *csvSource) offset() int64 { return s.cnt.n }
func (s *csvSource) close() error  { return nil }

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
