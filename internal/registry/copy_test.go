package registry_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/importfile"
	"ncms/internal/registry"
)

// largeImportPersons is several write chunks (COPY on PostgreSQL, made
// copyChunk rows long for the test), so the write pass has written rows
// when the last one turns out bad.
const (
	largeImportPersons = 3000
	copyChunk          = 1000
)

// TestImportWritesWithCopy: the import's writer uses COPY in an
// InTxSession transaction (the import's) on PostgreSQL, INSERTs on SQLite.
func TestImportWritesWithCopy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		err := d.InTxSession(t.Context(), nil, nil, func(tx *db.Tx) error {
			if got, want := registry.WritesWithCopy(tx), d.Dialect() == db.Postgres; got != want {
				t.Errorf("writes with COPY = %v, want %v", got, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestImportLargeAllOrNothing: a large import whose file changes between
// the checking and the writing pass fails on the last row, after most rows
// were written, and leaves nothing behind (no area, household, person or
// event, no audit row); the unchanged file then imports in full, every
// person with one "registered" event and every household with its head.
//
// The import is large enough to write without indexes (and, on
// PostgreSQL, foreign keys): the failed import leaves them exactly as
// they were, the successful one puts them back as they were, and on
// PostgreSQL readers of the register wait while the import writes.
func TestImportLargeAllOrNothing(t *testing.T) {
	defer registry.SetCopyRows(copyChunk)()
	var dropped [][2]int
	defer registry.SetBigImport(copyChunk, func(ix, fks int) { dropped = append(dropped, [2]int{ix, fks}) })()
	var gen bytes.Buffer
	households, err := registry.GenerateHouseholdCSV(&gen, registry.GenerateOptions{Persons: largeImportPersons, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		dropped = nil
		schema := schemaOf(t, d)
		tables := []string{"areas", "households", "persons", "person_events", "audit_log"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = count(t, d, `SELECT COUNT(*) FROM `+tb)
		}

		data := bytes.Clone(gen.Bytes())
		rd, err := importfile.Open(bytes.NewReader(data), "big.csv", importfile.Options{Columns: registry.HouseholdColumns})
		if err != nil {
			t.Fatal(err)
		}
		// Once checked, the last row's household number changes to one the
		// check never saw (same length: only that row reads differently).
		last := bytes.LastIndexByte(bytes.TrimRight(data, "\r\n"), '\n') + 1
		changed := false
		opt := registry.ImportOptions{FileName: "big.csv", Progress: func(p registry.ImportProgress) {
			if p.Phase == "validate" && p.Done && !changed {
				data[last] = 'X'
				changed = true
			}
		}}
		res, err := w.s.ImportHouseholds(w.admin, rd, opt)
		if !changed {
			t.Fatal("the check pass never reported its end")
		}
		if e, ok := apperr.As(err); !ok || e.Code != "file_changed" {
			t.Fatalf("import of a file changed between passes: %+v, %v; want file_changed", res, err)
		}
		for _, tb := range tables {
			if n := count(t, d, `SELECT COUNT(*) FROM `+tb); n != before[tb] {
				t.Errorf("%s: %d rows after the failed import, %d before", tb, n, before[tb])
			}
		}
		checkDropped(t, d, dropped)
		if got := schemaOf(t, d); !slices.Equal(got, schema) {
			t.Errorf("indexes and constraints after the failed import:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(schema, "\n"))
		}

		data[last] = gen.Bytes()[last]
		if err := rd.Reset(); err != nil {
			t.Fatal(err)
		}
		var readErr error = errors.New("no write progress reported")
		res, err = w.s.ImportHouseholds(w.admin, rd, registry.ImportOptions{FileName: "big.csv", Progress: func(p registry.ImportProgress) {
			if p.Phase == "write" && p.Done {
				// Another connection reads the register while the import
				// still holds its lock.
				ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
				defer cancel()
				var n int
				readErr = d.QueryRowContext(ctx, `SELECT COUNT(*) FROM persons`).Scan(&n)
			}
		}})
		if err != nil || res.Imported != largeImportPersons || res.Households != households {
			t.Fatalf("import: %+v, %v; want %d persons in %d households", res, err, largeImportPersons, households)
		}
		switch {
		case d.Dialect() == db.Postgres && readErr == nil:
			t.Error("a reader of persons went on while the import wrote without indexes; want it to wait for the commit")
		case d.Dialect() == db.SQLite && readErr != nil:
			t.Errorf("a reader of persons while the import wrote: %v; want its snapshot", readErr)
		}
		if got := schemaOf(t, d); !slices.Equal(got, schema) {
			t.Errorf("indexes and constraints after the import:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(schema, "\n"))
		}
		if len(dropped) != 2 {
			t.Errorf("imports that dropped indexes: %d, want 2", len(dropped))
		}
		if d.Dialect() == db.Postgres {
			// The foreign keys are enforced again.
			_, err := d.ExecContext(t.Context(), `INSERT INTO person_events (person_id, household_id, kind, event_date, created_at)
				SELECT -1, household_id, 'x', '2026-01-01', '' FROM persons LIMIT 1`)
			if err == nil || !strings.Contains(err.Error(), "foreign key") {
				t.Errorf("event of a person who does not exist: %v; want a foreign key violation", err)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM persons`); n != largeImportPersons {
			t.Errorf("persons = %d, want %d", n, largeImportPersons)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM households`); n != households {
			t.Errorf("households = %d, want %d", n, households)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM person_events e JOIN persons p ON p.id = e.person_id
			WHERE e.kind = 'registered' AND e.household_id = p.household_id`); n != largeImportPersons {
			t.Errorf("registered events matching their person = %d, want %d", n, largeImportPersons)
		}
		if n := count(t, d, `SELECT COUNT(*) FROM households h JOIN persons p ON p.id = h.head_person_id
			WHERE p.household_id = h.id AND p.relation = '户主'`); n != households {
			t.Errorf("households whose head is one of their members = %d, want %d", n, households)
		}
		// The last row of the file is a person of the register.
		lastID := string(bytes.Split(data[last:], []byte(","))[5])
		if n := count(t, d, `SELECT COUNT(*) FROM persons WHERE id_number = '`+lastID+`'`); n != 1 {
			t.Errorf("person of the last row (%s): %d", lastID, n)
		}
		// The register goes on after the import.
		if _, err := w.s.RegisterHousehold(w.admin, family(w.villA.ID, 900)); err != nil {
			t.Fatalf("register after import: %v", err)
		}
	})
}

// TestImportConflictDuringWrite: someone registers the person of the
// file's last row between the checking and the writing pass; the write
// pass then fails on the ID number's uniqueness (on PostgreSQL inside a
// COPY running beside the reading of the file) and leaves nothing of the
// import behind.
func TestImportConflictDuringWrite(t *testing.T) {
	defer registry.SetCopyRows(copyChunk)()
	var dropped [][2]int
	defer registry.SetBigImport(copyChunk, func(ix, fks int) { dropped = append(dropped, [2]int{ix, fks}) })()
	var gen bytes.Buffer
	if _, err := registry.GenerateHouseholdCSV(&gen, registry.GenerateOptions{Persons: largeImportPersons, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	data := gen.Bytes()
	last := bytes.LastIndexByte(bytes.TrimRight(data, "\r\n"), '\n') + 1
	lastID := string(bytes.Split(data[last:], []byte(","))[5])
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		dropped = nil
		schema := schemaOf(t, d)
		rd, err := importfile.Open(bytes.NewReader(data), "big.csv", importfile.Options{Columns: registry.HouseholdColumns})
		if err != nil {
			t.Fatal(err)
		}
		var registered error = errors.New("not registered")
		opt := registry.ImportOptions{FileName: "big.csv", Progress: func(p registry.ImportProgress) {
			if p.Phase == "validate" && p.Done {
				_, registered = w.s.RegisterHousehold(w.admin, registry.HouseholdInput{AreaID: w.villA.ID,
					Members: []registry.PersonInput{{IDNumber: lastID, Name: "抢先登记", Relation: registry.Head}}})
			}
		}}
		before := map[string]int{}
		tables := []string{"areas", "households", "persons", "person_events"}
		for _, tb := range tables {
			before[tb] = count(t, d, `SELECT COUNT(*) FROM `+tb)
		}
		res, err := w.s.ImportHouseholds(w.admin, rd, opt)
		if registered != nil {
			t.Fatalf("registering between the passes: %v", registered)
		}
		if err == nil {
			t.Fatalf("import with an ID number registered meanwhile succeeded: %+v", res)
		}
		if e, ok := apperr.As(err); !ok || e.Code != "register_changed" || e.Kind != apperr.Conflict {
			t.Errorf("import with an ID number registered meanwhile: %v, want the named conflict register_changed", err)
		}
		// Only the household registered meanwhile was added.
		added := map[string]int{"households": 1, "persons": 1, "person_events": 1}
		for _, tb := range tables {
			if n := count(t, d, `SELECT COUNT(*) FROM `+tb); n != before[tb]+added[tb] {
				t.Errorf("%s: %d rows after the failed import, want %d", tb, n, before[tb]+added[tb])
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM persons WHERE id_number = '`+lastID+`' AND name = '抢先登记'`); n != 1 {
			t.Errorf("the person registered meanwhile: %d rows", n)
		}
		checkDropped(t, d, dropped)
		if got := schemaOf(t, d); !slices.Equal(got, schema) {
			t.Errorf("indexes and constraints after the failed import:\n%s\nbefore:\n%s", strings.Join(got, "\n"), strings.Join(schema, "\n"))
		}
	})
}

// checkDropped: the first import of the test wrote without indexes — on
// PostgreSQL also without foreign keys.
func checkDropped(t *testing.T, d *db.DB, dropped [][2]int) {
	t.Helper()
	switch {
	case len(dropped) == 0:
		t.Error("the large import kept its indexes")
	case dropped[0][0] == 0:
		t.Error("the large import dropped no index")
	case d.Dialect() == db.Postgres && dropped[0][1] == 0:
		t.Error("the large import kept its foreign keys")
	}
}

// schemaOf lists the indexes and constraints of households, persons and
// person_events with their definitions (and, on PostgreSQL, whether each
// constraint is validated), sorted.
func schemaOf(t *testing.T, d *db.DB) []string {
	t.Helper()
	q := `SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master
		WHERE tbl_name IN ('households', 'persons', 'person_events')`
	if d.Dialect() == db.Postgres {
		q = `SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename IN ('households', 'persons', 'person_events')
			UNION ALL
			SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid) || ' validated=' || convalidated::text
			FROM pg_constraint WHERE conrelid IN ('households'::regclass, 'persons'::regclass, 'person_events'::regclass)
			UNION ALL
			SELECT 'referenced by ' || conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid)
			FROM pg_constraint WHERE confrelid IN ('households'::regclass, 'persons'::regclass, 'person_events'::regclass)`
	}
	out := dbtest.Strings(t, d, q)
	if len(out) < 4 {
		t.Fatalf("only %d indexes and constraints: %q", len(out), out)
	}
	slices.Sort(out)
	return out
}
