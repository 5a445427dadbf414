package registry

import (
	"context"
	"fmt"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/importfile"
)

var (
	importHouseholdCols = []string{"id", "number", "area_id", "area_path", "address", "phone", "head_person_id", "created_at", "updated_at"}
	importPersonCols    = []string{"id", "household_id", "area_path", "id_number", "name", "sex", "birth_date", "phone", "relation",
		"categories", "status", "created_at", "updated_at"}
	importEventCols = []string{"person_id", "household_id", "kind", "event_date", "note", "data_json", "created_at", "created_by"}
)

// errFileChanged refuses a write pass that reads something else than the
// checking pass did.
var errFileChanged = apperr.New(apperr.Conflict, "file_changed", "文件在导入过程中被修改，请重新导入", "the file changed during the import; import it again")

// errRegisterChanged refuses a write pass that meets a person's ID number
// or a household number registered by someone else after the check pass
// (a unique key of the register); nothing of the import is written.
var errRegisterChanged = apperr.New(apperr.Conflict, "register_changed",
	"导入期间有人登记了文件中的身份证号或户号，未导入任何数据；请核对后重新导入",
	"an ID number or household number of the file was registered by someone else during the import; nothing was imported, check and import again")

// writeImport is the second pass, inside the import's transaction: areas,
// households, then persons and their events as the file is read again,
// and the audit row. It returns how many areas were created.
func (s *Service) writeImport(ctx context.Context, tx *db.Tx, rd *importfile.Reader, p *importPlan, opt ImportOptions) (int, error) {
	if err := lockForImport(ctx, tx); err != nil {
		return 0, err
	}
	created, err := p.places.create(ctx, s, tx)
	if err != nil {
		return 0, err
	}
	hBase, err := reserveIDs(ctx, tx, "households", len(p.households))
	if err != nil {
		return 0, err
	}
	pBase, err := reserveIDs(ctx, tx, "persons", p.rows)
	if err != nil {
		return 0, err
	}
	now := s.stamp()
	// A county's first big load into an empty register: write without
	// the indexes (SQLite: persons_name; PostgreSQL: the secondary indexes
	// and the foreign keys, under an ACCESS EXCLUSIVE lock that keeps
	// readers out until the commit — see deferSchema) and build them once.
	var def *deferredSchema
	if p.rows >= bigImport && int64(p.rows) >= pBase-1 {
		if def, err = deferSchema(ctx, tx); err != nil {
			return 0, err
		}
	}
	w := startCopyWriter(ctx, tx) // PostgreSQL: COPY beside reading the file
	defer w.stop(errCopyStopped)
	if err := insertHouseholds(ctx, tx, w, p, hBase, pBase, now); err != nil {
		return 0, err
	}
	if err := s.insertPersons(ctx, tx, w, rd, p, pBase, now, opt); err != nil {
		return 0, err
	}
	if err := w.stop(nil); err != nil {
		return 0, err
	}
	if err := def.restore(ctx, tx); err != nil {
		return 0, err
	}
	if err := analyzeImport(ctx, tx, p.rows); err != nil {
		return 0, err
	}
	act, _ := actorOf(ctx)
	return created, audit.Record(ctx, tx, "household.import", "import", opt.FileName, nil, map[string]any{
		"file": opt.FileName, "format": string(rd.Format()), "bytes": rd.Size(), "rows": p.rows,
		"persons": p.rows, "households": len(p.households), "areas_created": created,
		"first_person_id": pBase, "last_person_id": pBase + int64(p.rows) - 1, "by": act.Username})
}

// insertHouseholds writes every household with its preassigned id and head.
func insertHouseholds(ctx context.Context, tx *db.Tx, w *copyWriter, p *importPlan, hBase, pBase int64, now string) error {
	b := newBulkInsert(tx, "households", importHouseholdCols)
	b.async(w)
	defer b.close()
	for i, h := range p.households {
		h.id = hBase + int64(i)
		b.args = append(b.args, h.id, h.number, h.place.area.ID, h.place.area.Path, h.address, h.phone,
			pBase+int64(h.headIdx), now, now)
		if err := b.added(ctx); err != nil {
			return err
		}
	}
	return b.flush(ctx)
}

// insertPersons reads the file again and writes each person (id pBase +
// its index) and a "registered" event. With a copyWriter, rows are only
// queued: w.stop tells whether they were written.
func (s *Service) insertPersons(ctx context.Context, tx *db.Tx, w *copyWriter, rd *importfile.Reader, p *importPlan, pBase int64, now string, opt ImportOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := rd.Reset(); err != nil {
		return err
	}
	act, _ := actorOf(ctx)
	today := s.Today().String()
	persons := newBulkInsert(tx, "persons", importPersonCols)
	events := newBulkInsert(tx, "person_events", importEventCols)
	events.before = persons.flush // events refer to persons
	persons.async(w)
	events.async(w)
	defer persons.close()
	defer events.close()
	rep := newReporter(opt, "write", rd)
	rows, readErr := readRows(ctx, rd, rowParser{rd: rd, today: s.Today()})
	defer drain(cancel, rows)
	k := 0
	note := "导入 " + opt.FileName + " 第"
	for batch := range rows {
		for i := range batch {
			r := &batch[i]
			h := p.byNumber[r.household]
			if len(r.errs) > 0 || h == nil || k >= p.rows {
				return errFileChanged
			}
			m := &r.person
			persons.args = append(persons.args, pBase+int64(k), h.id, h.place.area.Path, nullIfEmpty(m.IDNumber), m.Name,
				sexCode(m.Sex), m.BirthDate.String(), m.Phone, m.Relation, m.Categories.Codes(), string(Active), now, now)
			if err := persons.added(ctx); err != nil {
				return err
			}
			events.args = append(events.args, pBase+int64(k), h.id, string(EvRegistered), today,
				note+strconv.Itoa(r.num)+"行", "", now, act.Username)
			if err := events.added(ctx); err != nil {
				return err
			}
			k++
			rep.report(k, false)
		}
	}
	if err := readErr(); err != nil {
		return err
	}
	if err := events.flush(ctx); err != nil {
		return err
	}
	if k != p.rows {
		return fmt.Errorf("%w (%d rows, %d before)", errFileChanged, k, p.rows)
	}
	rep.report(k, true)
	return nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
