package catalog

import (
	"context"
	"fmt"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/db"
)

// headers maps accepted header names (lower-cased) to canonical columns.
var headers = map[string]string{}

func init() {
	for col, names := range map[string][]string{
		"med_list_codg":    {"med_list_codg", "code", "编码", "目录编码", "医保目录编码", "项目编码", "药品编码"},
		"name":             {"name", "名称", "项目名称", "药品名称", "通用名"},
		"kind":             {"kind", "类型", "目录类型", "项目类型"},
		"class":            {"class", "chrgitm_lv", "类别", "甲乙类", "收费项目等级", "等级"},
		"selfpay_prop":     {"selfpay_prop", "selfpay", "自付比例", "先行自付比例"},
		"price_cap":        {"price_cap", "pric_uplmt_amt", "限价", "最高限价", "支付限价"},
		"price":            {"price", "pric", "单价", "参考价", "价格"},
		"unit":             {"unit", "单位"},
		"spec":             {"spec", "规格", "剂型规格"},
		"med_chrgitm_type": {"med_chrgitm_type", "fee_type", "收费项目类别", "费用类别"},
		"essential":        {"essential", "bas_medn_flag", "基本药物"},
		"restricted":       {"restricted", "lmt_used_flag", "限定使用"},
		"restriction":      {"restriction", "限定范围", "限定说明", "限定支付范围"},
		"levels":           {"levels", "报销级别", "适用级别", "医院等级"},
		"valid_from":       {"valid_from", "begndate", "生效日期", "开始日期"},
		"valid_to":         {"valid_to", "enddate", "失效日期", "结束日期"},
	} {
		for _, n := range names {
			headers[strings.ToLower(n)] = col
		}
	}
}

// templateHeader is the header row of the import template (Chinese names;
// the canonical English names of Columns are accepted as well).
var templateHeader = []string{"编码", "名称", "类型", "类别", "自付比例", "限价", "单价", "单位", "规格",
	"收费项目类别", "基本药物", "限定使用", "限定范围", "报销级别", "生效日期", "失效日期"}

// Template returns the import template: a header row and example rows.
func Template() [][]string {
	return [][]string{
		templateHeader,
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
// Rows without valid_from take effect today.
func (s *Service) Import(ctx context.Context, rows [][]string) (ImportResult, error) {
	if _, err := admin(ctx); err != nil {
		return ImportResult{}, err
	}
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

// parseRows maps the header and checks every row, returning all problems.
func (s *Service) parseRows(rows [][]string) ([]parsedRow, error) {
	if len(rows) == 0 {
		return nil, apperr.Field("file", "empty", "文件为空", "the file is empty")
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		if c, ok := headers[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))]; ok {
			if _, dup := col[c]; !dup {
				col[c] = i
			}
		}
	}
	for _, need := range []string{"med_list_codg", "name", "kind", "class"} {
		if _, ok := col[need]; !ok {
			return nil, apperr.Field("file", "missing_column",
				"缺少列:编码、名称、类型、类别为必填列(表头在第1行)",
				"missing column: code, name, kind and class are required in the header row (row 1); missing "+need)
		}
	}
	var out []parsedRow
	var errs []apperr.FieldError
	seen := map[string]int{}
	today := s.Today()
	for i, r := range rows[1:] {
		if strings.TrimSpace(strings.Join(r, "")) == "" {
			continue
		}
		row, t := i+2, Text{}
		for c, j := range col {
			if j < len(r) {
				t[c] = r[j]
			}
		}
		in, fe := Parse(t, row)
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
