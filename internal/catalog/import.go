package catalog

import (
	"context"
	"fmt"

	"ncms/internal/apperr"
	"ncms/internal/db"
)

// templateHeader is the header row of the import template: the display
// names of FileColumns (the other accepted names work as well).
func templateHeader() []string {
	h := make([]string, len(FileColumns))
	for i, c := range FileColumns {
		h[i] = c.Display()
	}
	return h
}

// Template returns the import template: a header row and example rows.
func Template() [][]string {
	return [][]string{
		templateHeader(),
		{"XJ01CAA040A001010101445", "阿莫西林胶囊", "药品", "甲", "", "", "0.25", "粒", "0.25g", "09", "是", "否", "", "", "2024-01-01", ""},
		{"XJ01DDA080A001010101445", "头孢克肟胶囊", "药品", "乙", "0.10", "3.50", "3.20", "粒", "0.1g", "09", "否", "是",
			"限二线用药", "township,county,city,province", "2024-01-01", ""},
		{"C330800001", "国产人工髋关节", "诊疗项目", "乙", "30%", "", "20000", "套", "", "08", "否", "否", "", "county,city,province", "2024-01-01", ""},
	}
}

// ImportResult reports what an import did, item by item.
type ImportResult struct {
	Rows    int            `json:"rows"`    // data rows read
	Counts  map[Action]int `json:"counts"`  // how many items each action took
	Actions []RowAction    `json:"actions"` // per row
}

// RowAction is what one row of the file did.
type RowAction struct {
	Row    int    `json:"row"`
	Code   string `json:"med_list_codg"`
	Action Action `json:"action"`
}

// Import stores every row of a catalogue file — all or nothing. rows[0] is
// the header (Chinese or English column names, see Template); rows count
// from 1 at the header, as a spreadsheet shows them. When any row has a
// problem nothing is written and the error lists every problem with its
// row, column and reason in Chinese and English: a wrong class, a self-pay
// share out of 0–1 or with more than 4 decimals, a negative price, a code
// twice in the file, a version dated before the item's latest one, ...
// Rows without valid_from take effect today. The rows are read with
// internal/importfile like an uploaded file (see ImportFile).
func (s *Service) Import(ctx context.Context, rows [][]string) (ImportResult, error) {
	if _, err := admin(ctx); err != nil {
		return ImportResult{}, err
	}
	r, err := rowsCSV(rows)
	if err != nil {
		return ImportResult{}, err
	}
	return s.ImportFile(ctx, r, "rows.csv")
}

// importRows checks every row, then stores them in one transaction.
func (s *Service) importRows(ctx context.Context, rows []fileRow) (ImportResult, error) {
	ins, err := s.parseRows(rows)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Counts: map[Action]int{}, Rows: len(ins)}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res.Actions, res.Counts = res.Actions[:0], map[Action]int{}
		latest, err := s.latestAll(ctx, tx)
		if err != nil {
			return err
		}
		var c apperr.Collector
		for _, r := range ins {
			act, _, err := s.apply(ctx, tx, r.in, latest[r.in.Code])
			if e, ok := apperr.As(err); ok {
				for _, f := range e.Fields {
					f.Row, f.Value = r.row, r.in.ValidFrom.String()
					c.Add(f)
				}
				continue
			}
			if err != nil {
				return err
			}
			res.Actions = append(res.Actions, RowAction{Row: r.row, Code: r.in.Code, Action: act})
			res.Counts[act]++
		}
		return c.Err()
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

type parsedRow struct {
	row int
	in  Input
}

// parseRows checks every row, returning all problems.
func (s *Service) parseRows(rows []fileRow) ([]parsedRow, error) {
	var out []parsedRow
	var errs []apperr.FieldError
	seen := map[string]int{}
	today := s.Today()
	for _, r := range rows {
		row := r.num
		in, fe := Parse(r.text, row)
		if in.ValidFrom.IsZero() {
			in.ValidFrom = today
		}
		fe = in.check(row, fe)
		if first, dup := seen[in.Code]; dup && in.Code != "" {
			fe = append(fe, apperr.FieldError{Row: row, Field: "med_list_codg", Code: "duplicate", Value: in.Code,
				Zh: fmt.Sprintf("编码与第%d行重复", first), En: fmt.Sprintf("code repeats row %d", first)})
		} else {
			seen[in.Code] = row
		}
		errs = append(errs, fe...)
		out = append(out, parsedRow{row, in})
	}
	if len(errs) > 0 {
		return nil, apperr.Fields(errs)
	}
	if len(out) == 0 {
		return nil, apperr.Field("file", "empty", "文件中没有数据行", "the file has no data rows")
	}
	return out, nil
}

// latestAll loads the latest version of every item (one query, not one per row).
func (s *Service) latestAll(ctx context.Context, tx *db.Tx) (map[string]*Entry, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+cols+` FROM catalog_entries ORDER BY code, valid_from`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*Entry{}
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out[e.Code] = &e
	}
	return out, rows.Err()
}
