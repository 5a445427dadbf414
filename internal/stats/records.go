package stats

import (
	"context"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/money"
)

// Record is one settlement, reversal or approved claim behind a figure.
// It names the patient masked (张*明) and never carries an ID number,
// phone number or diagnosis.
type Record struct {
	Source      string     `json:"source"` // settlement, claim
	ID          int64      `json:"id"`
	Date        civil.Date `json:"date"`
	Reversal    bool       `json:"reversal"`
	Institution string     `json:"institution"`
	Level       string     `json:"level"`
	Person      string     `json:"person"` // masked name
	Area        string     `json:"area"`   // the patient's village (area name)
	Kind        string     `json:"kind"`
	ClrType     string     `json:"clr_type"`
	Cost        money.Fen  `json:"cost"`
	Basic       money.Fen  `json:"basic"`
	Fund        money.Fen  `json:"fund"`
}

// Drill asks for the records of one cell of a table.
type Drill struct {
	Period Period
	By     Dim
	Key    string // the row's key ("" = the whole scope)
	Limit  int    // default 100, at most 1000
	Offset int
	// Order is the column to sort by, one of RecordOrders (anything else,
	// or empty: oldest first, settlements before claims, by id); Desc
	// reverses it. Ties are broken by source and id in the same direction.
	Order string
	Desc  bool
}

// RecordOrders maps the sort keys Records accepts to their ORDER BY
// column: only these strings ever reach the query.
var RecordOrders = map[string]string{"date": "d", "source": "src", "institution": "iname", "village": "COALESCE(aname, '')",
	"kind": "kind", "cost": "medfee_sumamt", "basic": "hifp_pay", "fund": "fund_pay_sumamt"}

// orderBy is the ORDER BY of d, from the whitelist only.
func (d Drill) orderBy() string {
	col, ok := RecordOrders[d.Order]
	if !ok {
		return "d, src DESC, id"
	}
	if d.Desc {
		return col + " DESC, src, id DESC"
	}
	return col + ", src DESC, id"
}

// Records lists the settlements and claims behind a cell, in the caller's
// scope, oldest first (or in d's order), with the total count.
func (s *Service) Records(ctx context.Context, d Drill) ([]Record, int64, error) {
	act, err := actor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := d.Period.Check(); err != nil {
		return nil, 0, err
	}
	if d.Limit <= 0 {
		d.Limit = 100
	}
	d.Limit = min(d.Limit, 1000)
	cond := []string{"p.area_path LIKE ?"}
	args := []any{act.Scope.AreaPath + "%"}
	if d.Key != "" {
		switch d.By {
		case ByTownship, ByVillage:
			cond, args = append(cond, "p.area_path LIKE ?"), append(args, d.Key+"%")
		case ByInstitution:
			id, err := strconv.ParseInt(d.Key, 10, 64)
			if err != nil {
				return nil, 0, apperr.Field("key", "bad_key", "机构编号无效", "bad institution id")
			}
			cond, args = append(cond, "s.institution_id = ?"), append(args, id)
		case ByLevel:
			cond, args = append(cond, "i.level = ?"), append(args, d.Key)
		case ByKind:
			cond, args = append(cond, "s.kind = ?"), append(args, d.Key)
		case ByMonth:
			cond, args = append(cond, "SUBSTR(@date, 1, 7) = ?"), append(args, d.Key)
		}
	}
	where := strings.Join(cond, " AND ")
	part := func(src, table, date, rev, extra string) string {
		return `SELECT '` + src + `' AS src, s.id, ` + date + ` AS d, ` + rev + ` AS rev, i.name AS iname, i.level AS ilevel,
			p.name AS pname, a.name AS aname, s.kind, s.clr_type, s.medfee_sumamt, s.hifp_pay, s.fund_pay_sumamt
			FROM ` + table + ` s JOIN persons p ON p.id = s.person_id JOIN institutions i ON i.id = s.institution_id
			JOIN households h ON h.id = p.household_id LEFT JOIN areas a ON a.id = h.area_id
			WHERE ` + date + ` >= ? AND ` + date + ` <= ?` + extra + ` AND ` + strings.ReplaceAll(where, "@date", date)
	}
	q := part("settlement", "settlements", "s.setl_date", "CASE WHEN s.reverses_id IS NULL THEN 0 ELSE 1 END", "") +
		" UNION ALL " + part("claim", "claims", "s.approved_date", "0", " AND s.stage IN ('approved', 'paid')")
	all := append(append([]any{d.Period.From, d.Period.To}, args...), append([]any{d.Period.From, d.Period.To}, args...)...)
	var total int64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (`+q+`) x`, all...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT * FROM (`+q+`) x ORDER BY `+d.orderBy()+` LIMIT ? OFFSET ?`,
		append(all, d.Limit, d.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var rev int
		var name, aname *string
		if err := rows.Scan(&r.Source, &r.ID, &r.Date, &rev, &r.Institution, &r.Level, &name, &aname, &r.Kind, &r.ClrType,
			&r.Cost, &r.Basic, &r.Fund); err != nil {
			return nil, 0, err
		}
		r.Reversal = rev == 1
		if name != nil {
			r.Person = MaskName(*name)
		}
		if aname != nil {
			r.Area = *aname
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// MaskName keeps the first and (for names of three or more characters)
// the last character of a name: 张*明, 李*, 欧阳**华 (SPEC §11).
func MaskName(name string) string {
	r := []rune(name)
	switch {
	case len(r) <= 1:
		return name
	case len(r) == 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}
