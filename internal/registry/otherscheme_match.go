package registry

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"ncms/internal/civil"
)

// DoubleEnrollment is a person of the register who is also on another
// scheme's list.
type DoubleEnrollment struct {
	PersonID        int64
	HouseholdID     int64
	HouseholdNumber string
	AreaPath        string
	IDNumber        string // full; screens show it masked
	Name            string // as in the register
	OtherName       string // as on the other list
	NameMismatch    bool   // the names differ: check the ID number before acting
	Scheme          Scheme
	BatchID         int64
	ListDate        civil.Date
	Row             int // row of the other list's file
}

// DoubleQuery selects double enrollments.
type DoubleQuery struct {
	BatchID      int64 // 0: all lists
	OnlyMismatch bool  // only rows whose names differ
	// Order is the column to sort by, one of DoubleOrders (anything else,
	// or empty: by area, household, person and list); Desc reverses it.
	// Ties keep that default order.
	Order string
	Desc  bool
	Page
}

// DoubleOrders maps the sort keys DoubleEnrollments accepts to their
// comparison (the rows are matched and filtered in Go, so sorted there).
var DoubleOrders = map[string]func(a, b DoubleEnrollment) int{
	"household": func(a, b DoubleEnrollment) int { return cmp.Compare(a.HouseholdNumber, b.HouseholdNumber) },
	"name":      func(a, b DoubleEnrollment) int { return cmp.Compare(a.Name, b.Name) },
	"other":     func(a, b DoubleEnrollment) int { return cmp.Compare(a.OtherName, b.OtherName) },
	"scheme":    func(a, b DoubleEnrollment) int { return cmp.Compare(a.Scheme, b.Scheme) },
	"date":      func(a, b DoubleEnrollment) int { return a.ListDate.Compare(b.ListDate) },
}

// DoubleResults is one page of double enrollments, with totals.
type DoubleResults struct {
	Items      []DoubleEnrollment
	Total      int
	Mismatches int // rows whose names differ, over all pages
	Page       Page
}

// DoubleEnrollments matches other schemes' lists with the register by ID
// number and returns the people in the actor's scope found in both.
//
// Until the enrollment service exists, "enrolled in the rural scheme" means
// an active person of the register; internal/enroll refines it to people
// enrolled in the scheme year (see its DoubleEnrollments).
func (s *Service) DoubleEnrollments(ctx context.Context, q DoubleQuery) (DoubleResults, error) {
	res := DoubleResults{Page: q.Page.norm()}
	where, args, err := s.where(ctx, Query{Status: Active})
	if err != nil {
		return res, err
	}
	from := ` FROM other_scheme_entries e JOIN other_scheme_batches b ON b.id = e.batch_id
		JOIN persons p ON p.id_number = e.id_number JOIN households h ON h.id = p.household_id WHERE ` + where
	if q.BatchID != 0 {
		from += " AND e.batch_id = ?"
		args = append(args, q.BatchID)
	}
	all, err := s.scanDoubles(ctx, `SELECT p.id, p.household_id, h.number, p.area_path, p.id_number, p.name, e.name,
		e.scheme, b.id, b.list_date, e.row_no`+from+` ORDER BY p.area_path, h.number, p.id, b.id`, args)
	if err != nil {
		return res, err
	}
	// Names are compared in Go (normalized), so filtering and paging too.
	var kept []DoubleEnrollment
	for _, d := range all {
		if d.NameMismatch {
			res.Mismatches++
		}
		if !q.OnlyMismatch || d.NameMismatch {
			kept = append(kept, d)
		}
	}
	if by := DoubleOrders[q.Order]; by != nil {
		slices.SortStableFunc(kept, func(a, b DoubleEnrollment) int {
			if q.Desc {
				return by(b, a)
			}
			return by(a, b)
		})
	}
	res.Total = len(kept)
	if res.Page.Offset < len(kept) {
		res.Items = kept[res.Page.Offset:min(res.Page.Offset+res.Page.Limit, len(kept))]
	}
	return res, nil
}

func (s *Service) scanDoubles(ctx context.Context, query string, args []any) ([]DoubleEnrollment, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("registry: double enrollments: %w", err)
	}
	defer rows.Close()
	var out []DoubleEnrollment
	for rows.Next() {
		var d DoubleEnrollment
		if err := rows.Scan(&d.PersonID, &d.HouseholdID, &d.HouseholdNumber, &d.AreaPath, &d.IDNumber, &d.Name,
			&d.OtherName, &d.Scheme, &d.BatchID, &d.ListDate, &d.Row); err != nil {
			return nil, err
		}
		d.NameMismatch = normName(d.Name) != normName(d.OtherName)
		out = append(out, d)
	}
	return out, rows.Err()
}

// normName drops spaces and the middle dots of minority names, and maps
// full-width letters, so that "阿依古丽·买买提" and "阿依古丽买买提" agree.
func normName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r), r == '·', r == '•', r == '．', r == '.', r == '・':
			return -1
		case r >= 'Ａ' && r <= 'Ｚ':
			return r - 'Ａ' + 'A'
		case r >= 'ａ' && r <= 'ｚ':
			return r - 'ａ' + 'A'
		}
		return unicode.ToUpper(r)
	}, s)
}
