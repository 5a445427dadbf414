package registry

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/importfile"
)

// importPlan is what the checking pass learns about a file: its households
// in order of first appearance, where each goes, and every problem.
type importPlan struct {
	rows       int
	households []*impHousehold
	byNumber   map[string]*impHousehold
	places     *placeIndex
	ids        map[[idcard.Length]byte]int32 // ID number -> first row
	errs       errList
	rd         *importfile.Reader
	pendIDs    []pending
	pendHH     []pending
	// checkIDs and checkHH are false when the register has no persons or
	// households yet (the first import of a county): nothing to look up.
	checkIDs, checkHH bool
	stmts             map[string]*sql.Stmt // prepared full-batch lookups
}

// impHousehold is one household of the file.
type impHousehold struct {
	number                string
	first                 int // row of its first member
	town, village, group  string
	address, phone        string
	heads, headIdx, count int // headIdx: index (from 0) of the head among the file's persons
	place                 *placePlan
	id                    int64 // assigned when written
}

// pending is a value to look up in the register, with its row.
type pending struct {
	value string
	row   int
}

// lookupBatch is how many values one IN (...) query checks.
const lookupBatch = 500

// checkImport is the first pass: it reads every row and checks it alone
// and against the rest of the file and the register.
func (s *Service) checkImport(ctx context.Context, act access.Actor, rd *importfile.Reader, opt ImportOptions) (*importPlan, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	places, err := loadPlaces(ctx, s.db, act)
	if err != nil {
		return nil, err
	}
	p := &importPlan{byNumber: map[string]*impHousehold{}, places: places, rd: rd,
		ids: make(map[[idcard.Length]byte]int32, max(1024, rd.Size()/100)), errs: errList{max: opt.MaxErrors, order: map[string]int{}}}
	for i, c := range HouseholdColumns {
		p.errs.order[rd.ColumnName(c.Key)] = i
	}
	if err := p.prepareLookups(ctx, s.db); err != nil {
		return nil, err
	}
	defer p.closeLookups()
	rep := newReporter(opt, "validate", rd)
	rows, readErr := readRows(ctx, rd, rowParser{rd: rd, today: s.Today()})
	defer drain(cancel, rows)
	for batch := range rows {
		for i := range batch {
			p.add(&batch[i])
			rep.report(p.rows, false)
		}
		if err := p.lookup(ctx, s.db, false); err != nil {
			return nil, err
		}
	}
	if err := readErr(); err != nil {
		return nil, err
	}
	if err := p.lookup(ctx, s.db, true); err != nil {
		return nil, err
	}
	p.finish()
	rep.report(p.rows, true)
	return p, nil
}

// colErr records a problem at row r in the column of key.
func (p *importPlan) colErr(row int, key, code, zh, en, value string) {
	p.errs.add(apperr.FieldError{Row: row, Field: p.rd.ColumnName(key), Code: code, Zh: zh, En: en, Value: value})
}

// add checks one parsed row against the rows before it.
func (p *importPlan) add(r *parsedRow) {
	idx := p.rows
	p.rows++
	for _, f := range r.errs {
		p.errs.add(f)
	}
	if r.idOK {
		var key [idcard.Length]byte
		copy(key[:], r.person.IDNumber)
		if prev, dup := p.ids[key]; dup {
			p.colErr(r.num, "id_number", "duplicate_in_file", fmt.Sprintf("与第%d行身份证号重复", prev),
				fmt.Sprintf("same ID number as row %d", prev), idcard.Mask(r.person.IDNumber))
		} else {
			p.ids[key] = int32(r.num)
			if p.checkIDs {
				p.pendIDs = append(p.pendIDs, pending{r.person.IDNumber, r.num})
			}
		}
	}
	if r.household == "" {
		return
	}
	h, seen := p.byNumber[r.household]
	if !seen {
		h = &impHousehold{number: strings.Clone(r.household), first: r.num, town: strings.Clone(r.town),
			village: strings.Clone(r.village), group: strings.Clone(r.group), headIdx: -1}
		p.byNumber[h.number] = h
		p.households = append(p.households, h)
		if p.checkHH {
			p.pendHH = append(p.pendHH, pending{h.number, r.num})
		}
		if r.town != "" && r.village != "" {
			h.place = p.places.plan(h.town, h.village, h.group)
			if e := h.place.err; e != nil {
				p.colErr(r.num, e.key, e.code, e.zh, e.en, "")
			}
		}
	} else {
		p.samePlace(h, r)
	}
	h.count++
	if h.address == "" && r.address != "" {
		h.address = strings.Clone(r.address)
	}
	if r.person.Relation == Head {
		h.heads++
		if h.heads > 1 {
			p.colErr(r.num, "relation", "two_heads", fmt.Sprintf("户 %s 已在第%d行登记户主，一户只能有一名户主", h.number, h.first),
				fmt.Sprintf("household %s already has a head; a household has exactly one", h.number), r.person.Relation)
			return
		}
		h.headIdx = idx
		h.phone = strings.Clone(r.person.Phone)
	}
	if h.phone == "" && r.person.Phone != "" {
		h.phone = strings.Clone(r.person.Phone)
	}
}

// samePlace refuses a row whose household number was first seen in
// another township, village or group.
func (p *importPlan) samePlace(h *impHousehold, r *parsedRow) {
	for _, c := range []struct{ key, a, b string }{
		{"township", h.town, r.town}, {"village", h.village, r.village}, {"group", h.group, r.group},
	} {
		if c.a != c.b {
			p.colErr(r.num, c.key, "household_place", fmt.Sprintf("户 %s 在第%d行填写为“%s”，同一户的地区必须一致", h.number, h.first, c.a),
				fmt.Sprintf("household %s is in %q on row %d; all members must give the same place", h.number, c.a, h.first), c.b)
			return
		}
	}
}

// finish applies the rules that need the whole file.
func (p *importPlan) finish() {
	for _, h := range p.households {
		if h.heads == 0 {
			p.colErr(h.first, "relation", "no_head", fmt.Sprintf("户 %s 没有户主（请在户主一行的“与户主关系”填写“户主”）", h.number),
				fmt.Sprintf("household %s has no head (write 户主 in the relation column of the head's row)", h.number), "")
		}
	}
}

// lookup checks pending ID numbers and household numbers against the
// register, a full batch at a time (and the rest when final).
func (p *importPlan) lookup(ctx context.Context, q db.Querier, final bool) error {
	for len(p.pendIDs) >= lookupBatch || (final && len(p.pendIDs) > 0) {
		n := min(len(p.pendIDs), lookupBatch)
		if err := p.lookupIDs(ctx, q, p.pendIDs[:n]); err != nil {
			return err
		}
		p.pendIDs = p.pendIDs[:copy(p.pendIDs, p.pendIDs[n:])]
	}
	for len(p.pendHH) >= lookupBatch || (final && len(p.pendHH) > 0) {
		n := min(len(p.pendHH), lookupBatch)
		if err := p.lookupHouseholds(ctx, q, p.pendHH[:n]); err != nil {
			return err
		}
		p.pendHH = p.pendHH[:copy(p.pendHH, p.pendHH[n:])]
	}
	return nil
}

// prepareLookups finds out whether the register has anything to look up
// and prepares the full-batch queries.
func (p *importPlan) prepareLookups(ctx context.Context, d *db.DB) error {
	if err := d.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM persons WHERE id_number IS NOT NULL)`).Scan(&p.checkIDs); err != nil {
		return err
	}
	if err := d.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM households)`).Scan(&p.checkHH); err != nil {
		return err
	}
	p.stmts = map[string]*sql.Stmt{}
	marks := strings.TrimSuffix(strings.Repeat("?, ", lookupBatch), ", ")
	for name, q := range map[string]string{"ids": lookupIDsSQL, "households": lookupHouseholdsSQL} {
		st, err := d.SQL().PrepareContext(ctx, d.Rebind(q+marks+`)`))
		if err != nil {
			return err
		}
		p.stmts[name] = st
	}
	return nil
}

func (p *importPlan) closeLookups() {
	for _, st := range p.stmts {
		_ = st.Close()
	}
}

// query runs lookup query q (named name) for ps, prepared when ps is a full batch.
func (p *importPlan) query(ctx context.Context, q db.Querier, name, sqlText string, ps []pending) (*sql.Rows, map[string]int, error) {
	marks, args, rows := inList(ps)
	if len(ps) == lookupBatch {
		rs, err := p.stmts[name].QueryContext(ctx, args...)
		return rs, rows, err
	}
	rs, err := q.QueryContext(ctx, sqlText+marks+`)`, args...)
	return rs, rows, err
}

const (
	lookupIDsSQL = `SELECT p.id_number, h.number, p.name FROM persons p JOIN households h ON h.id = p.household_id
		WHERE p.id_number IN (`
	lookupHouseholdsSQL = `SELECT number FROM households WHERE number IN (`
)

// inList returns "?, ?, ?" and the values of ps.
func inList(ps []pending) (string, []any, map[string]int) {
	args := make([]any, len(ps))
	rows := make(map[string]int, len(ps))
	for i, v := range ps {
		args[i] = v.value
		rows[v.value] = v.row
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ps)), ", "), args, rows
}

// lookupIDs refuses ID numbers already in the register.
func (p *importPlan) lookupIDs(ctx context.Context, q db.Querier, ps []pending) error {
	rs, rows, err := p.query(ctx, q, "ids", lookupIDsSQL, ps)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var num, hh, name string
		if err := rs.Scan(&num, &hh, &name); err != nil {
			return err
		}
		f := duplicateIDError(num, hh, name).Fields[0]
		p.colErr(rows[num], "id_number", "duplicate_id", f.Zh, f.En, f.Value)
	}
	return rs.Err()
}

// lookupHouseholds refuses household numbers already in the register.
func (p *importPlan) lookupHouseholds(ctx context.Context, q db.Querier, ps []pending) error {
	rs, rows, err := p.query(ctx, q, "households", lookupHouseholdsSQL, ps)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var num string
		if err := rs.Scan(&num); err != nil {
			return err
		}
		p.colErr(rows[num], "household_no", "household_exists",
			"户编号 "+num+" 已在系统中登记；新增成员请在该户的页面中办理，或使用新的户编号",
			"household "+num+" is already registered; add members on its page, or use a new number", num)
	}
	return rs.Err()
}
