package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
)

// Scheme is another basic medical insurance a person may be enrolled in.
type Scheme string

// The other schemes whose lists are matched against the register.
const (
	UrbanResident Scheme = "urban_resident" // 城镇居民基本医疗保险
	UrbanEmployee Scheme = "urban_employee" // 城镇职工基本医疗保险
)

// Label returns the scheme's Chinese and English names.
func (s Scheme) Label() (zh, en string) {
	switch s {
	case UrbanResident:
		return "城镇居民医保", "urban residents' insurance"
	case UrbanEmployee:
		return "城镇职工医保", "urban employees' insurance"
	}
	return string(s), string(s)
}

// Zh returns the Chinese name.
func (s Scheme) Zh() string { zh, _ := s.Label(); return zh }

// ParseScheme reads a scheme from its code or a usual Chinese name
// (城镇居民, 居民医保, 城镇职工, 职工医保, ...).
func ParseScheme(t string) (Scheme, bool) {
	t = strings.TrimSpace(t)
	switch {
	case t == string(UrbanResident) || strings.Contains(t, "居民"):
		return UrbanResident, true
	case t == string(UrbanEmployee) || strings.Contains(t, "职工"):
		return UrbanEmployee, true
	}
	return "", false
}

// OtherEntry is one row of another scheme's list.
type OtherEntry struct {
	Row      int // row in the source file (the header is row 1); 0 when not from a file
	IDNumber string
	Name     string
	Scheme   Scheme // empty: the list's scheme
}

// OtherListInput is a list to import.
type OtherListInput struct {
	Scheme   Scheme     // the list's scheme, used for rows that name none
	ListDate civil.Date // the day the list is valid for (default today)
	Source   string     // file name or description
	Note     string
	Entries  []OtherEntry
	// SkipInvalid imports the valid rows and reports the others; by default
	// any bad row refuses the whole list.
	SkipInvalid bool
}

// OtherBatch is one imported list.
type OtherBatch struct {
	ID        int64
	Scheme    Scheme
	ListDate  civil.Date
	Source    string
	Note      string
	RowCount  int
	Created   time.Time
	CreatedBy string
	Skipped   []apperr.FieldError // rows left out (SkipInvalid), only on the import's result
}

// checkOtherEntries validates the rows: a valid ID number, a name, a
// scheme; an ID number only once per list.
func checkOtherEntries(in OtherListInput) ([]OtherEntry, []apperr.FieldError) {
	var good []OtherEntry
	var c apperr.Collector
	seen := map[string]int{}
	for i, e := range in.Entries {
		row := e.Row
		if row == 0 {
			row = i + 1
		}
		n0 := c.Len()
		bad := func(field, code, zh, en, value string) {
			c.Add(apperr.FieldError{Row: row, Field: field, Code: code, Zh: zh, En: en, Value: value})
		}
		e.IDNumber = strings.TrimSpace(idcard.Normalize(e.IDNumber))
		if len(e.IDNumber) == 15 {
			if up, err := idcard.Upgrade15(e.IDNumber); err == nil {
				e.IDNumber = up
			}
		}
		if err := idcard.Validate(e.IDNumber); err != nil {
			ie, _ := err.(*idcard.Error)
			bad("id_number", ie.Code, ie.Zh, ie.En, idcard.Mask(e.IDNumber))
		} else if prev, dup := seen[e.IDNumber]; dup {
			bad("id_number", "duplicate_id", fmt.Sprintf("与第%d行身份证号重复", prev), fmt.Sprintf("same ID number as row %d", prev), idcard.Mask(e.IDNumber))
		}
		if e.Name = strings.TrimSpace(e.Name); e.Name == "" {
			bad("name", "required", "请填写姓名", "name is required", "")
		}
		if e.Scheme == "" {
			e.Scheme = in.Scheme
		}
		if e.Scheme != UrbanResident && e.Scheme != UrbanEmployee {
			bad("scheme", "bad_scheme", "险种应为城镇居民或城镇职工", "scheme must be urban residents or urban employees", string(e.Scheme))
		}
		if c.Len() == n0 {
			seen[e.IDNumber] = row
			e.Row = row
			good = append(good, e)
		}
	}
	return good, c.List()
}

// ImportOtherList stores another scheme's list (scheme administrator only).
// The list is matched with the register by DoubleEnrollments.
func (s *Service) ImportOtherList(ctx context.Context, in OtherListInput) (OtherBatch, error) {
	act, err := writer(ctx)
	if err != nil {
		return OtherBatch{}, err
	}
	if act.Role != access.Admin {
		return OtherBatch{}, apperr.New(apperr.Forbidden, "forbidden", "只有系统管理员可以导入其他险种名单", "only the administrator imports other schemes' lists")
	}
	if in.Scheme != "" && in.Scheme != UrbanResident && in.Scheme != UrbanEmployee {
		return OtherBatch{}, apperr.Field("scheme", "bad_scheme", "险种应为城镇居民或城镇职工", "scheme must be urban residents or urban employees")
	}
	good, bad := checkOtherEntries(in)
	if len(bad) > 0 && !in.SkipInvalid {
		e := apperr.Fields(bad)
		e.Zh, e.En = fmt.Sprintf("名单有%d处错误，未导入", len(bad)), fmt.Sprintf("%d problems in the list; nothing imported", len(bad))
		return OtherBatch{}, e
	}
	if len(good) == 0 {
		return OtherBatch{}, apperr.Field("entries", "empty", "名单中没有有效的行", "the list has no valid rows")
	}
	if in.ListDate.IsZero() {
		in.ListDate = s.Today()
	}
	b := OtherBatch{Scheme: in.Scheme, ListDate: in.ListDate, Source: strings.TrimSpace(in.Source), Note: strings.TrimSpace(in.Note),
		RowCount: len(good), Created: s.now(), CreatedBy: act.Username, Skipped: bad}
	if b.Scheme == "" {
		b.Scheme = good[0].Scheme
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		b.ID, err = tx.InsertID(ctx, `INSERT INTO other_scheme_batches (scheme, list_date, source, note, row_count, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, string(b.Scheme), b.ListDate, b.Source, b.Note, b.RowCount, db.Timestamp(b.Created), b.CreatedBy)
		if err != nil {
			return err
		}
		if err := insertOtherEntries(ctx, tx, b.ID, good); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "other_scheme.import", "other_scheme_batch", b.ID, nil,
			map[string]any{"scheme": b.Scheme, "list_date": b.ListDate.String(), "source": b.Source, "rows": b.RowCount, "skipped": len(bad)})
	})
	if err != nil {
		return OtherBatch{}, err
	}
	return b, nil
}

// insertOtherEntries writes the rows in multi-row INSERTs of 200.
func insertOtherEntries(ctx context.Context, tx *db.Tx, batch int64, es []OtherEntry) error {
	const chunk = 200
	for start := 0; start < len(es); start += chunk {
		part := es[start:min(start+chunk, len(es))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO other_scheme_entries (batch_id, row_no, id_number, name, scheme) VALUES `)
		args := make([]any, 0, 5*len(part))
		for i, e := range part {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(?, ?, ?, ?, ?)")
			args = append(args, batch, e.Row, e.IDNumber, e.Name, string(e.Scheme))
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// OtherBatches lists the imported lists, newest first.
func (s *Service) OtherBatches(ctx context.Context) ([]OtherBatch, error) {
	if _, err := actorOf(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, scheme, list_date, source, note, row_count, created_at, created_by
		FROM other_scheme_batches ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OtherBatch
	for rows.Next() {
		var b OtherBatch
		var created string
		if err := rows.Scan(&b.ID, &b.Scheme, &b.ListDate, &b.Source, &b.Note, &b.RowCount, &created, &b.CreatedBy); err != nil {
			return nil, err
		}
		b.Created, _ = db.ParseTimestamp(created)
		out = append(out, b)
	}
	return out, rows.Err()
}
