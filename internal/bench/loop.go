package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ncms/internal/db"
)

// LoopFigure is the bare SQLite loop: one goroutine, prepared statements,
// one transaction per "settlement" writing the rows one settlement writes.
type LoopFigure struct {
	PerSecond float64   `json:"tx_per_s"`
	Runs      []float64 `json:"runs_tx_per_s"`
	Rows      string    `json:"rows"`
}

// loopRows describes what each loop transaction does, as the settlement of
// a four-line outpatient visit does (docs/architecture.md "Settlement
// transaction"): lock-upsert the YTD row, read the visit and its lines,
// insert the settlement (its 4 KB JSON answer with the trace) and its
// fund row, post the ledger entry (an entry and two postings), mark the
// four lines settled, write the YTD row, insert the message row (the
// answer by reference) and the audit row.
const loopRows = "YTD upsert+read, visit read, 4 lines read, settlement insert (4 KB JSON), 1 fund row, ledger entry + 2 postings, " +
	"4 lines updated, YTD update, message insert, audit insert"

var loopSchema = []string{
	`CREATE TABLE ytd (person_id BIGINT NOT NULL, ytd_year INTEGER NOT NULL, ytd_json TEXT NOT NULL DEFAULT '{}',
		basic BIGINT NOT NULL DEFAULT 0, fund_total BIGINT NOT NULL DEFAULT 0, cost BIGINT NOT NULL DEFAULT 0,
		updated_at TEXT NOT NULL, PRIMARY KEY (person_id, ytd_year))`,
	`CREATE TABLE visits (id INTEGER PRIMARY KEY, institution_id BIGINT NOT NULL, person_id BIGINT NOT NULL, status TEXT NOT NULL)`,
	`CREATE TABLE lines (id INTEGER PRIMARY KEY, visit_id BIGINT NOT NULL, sn TEXT NOT NULL, code TEXT NOT NULL,
		class TEXT NOT NULL, qty BIGINT NOT NULL, price BIGINT NOT NULL, total BIGINT NOT NULL, status TEXT NOT NULL,
		settlement_id BIGINT)`,
	`CREATE INDEX lines_visit ON lines (visit_id, status)`,
	`CREATE INDEX lines_settlement ON lines (settlement_id)`,
	`CREATE TABLE settlements (id INTEGER PRIMARY KEY, visit_id BIGINT NOT NULL, institution_id BIGINT NOT NULL,
		person_id BIGINT NOT NULL, household_id BIGINT NOT NULL, ytd_year INTEGER NOT NULL, scheme_id BIGINT NOT NULL,
		kind TEXT NOT NULL, med_type TEXT NOT NULL, clr_type TEXT NOT NULL, reverses_id BIGINT, setl_date TEXT NOT NULL,
		setl_time TEXT NOT NULL, a1 BIGINT, a2 BIGINT, a3 BIGINT, a4 BIGINT, a5 BIGINT, a6 BIGINT, a7 BIGINT, a8 BIGINT,
		a9 BIGINT, a10 BIGINT, a11 BIGINT, a12 BIGINT, a13 BIGINT, a14 BIGINT, a15 BIGINT, medins_setl_id TEXT NOT NULL,
		invono TEXT NOT NULL, result_json TEXT NOT NULL)`,
	`CREATE UNIQUE INDEX settlements_one_reversal ON settlements (reverses_id) WHERE reverses_id IS NOT NULL`,
	`CREATE INDEX settlements_visit ON settlements (visit_id)`,
	`CREATE INDEX settlements_institution_day ON settlements (institution_id, setl_date)`,
	`CREATE INDEX settlements_person ON settlements (person_id, ytd_year)`,
	`CREATE TABLE funds (settlement_id BIGINT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,
		inscp BIGINT NOT NULL, lmt BIGINT NOT NULL, pay BIGINT NOT NULL, info TEXT NOT NULL, PRIMARY KEY (settlement_id, seq))`,
	`CREATE TABLE messages (institution_id BIGINT NOT NULL, msgid TEXT NOT NULL, infno TEXT NOT NULL, req_hash TEXT NOT NULL,
		status TEXT NOT NULL, effect_type TEXT NOT NULL, effect_id BIGINT NOT NULL, response TEXT NOT NULL,
		created_at TEXT NOT NULL, PRIMARY KEY (institution_id, msgid))`,
	`CREATE TABLE entries (id INTEGER PRIMARY KEY, year INTEGER NOT NULL, entry_date TEXT NOT NULL, event_kind TEXT NOT NULL,
		event_id BIGINT NOT NULL, memo TEXT NOT NULL, reverses_id BIGINT, total BIGINT NOT NULL, created_at TEXT NOT NULL,
		created_by TEXT NOT NULL)`,
	`CREATE INDEX entries_event ON entries (event_kind, event_id)`,
	`CREATE INDEX entries_year ON entries (year, entry_date)`,
	`CREATE UNIQUE INDEX entries_one_reversal ON entries (reverses_id)`,
	`CREATE TABLE postings (id INTEGER PRIMARY KEY, entry_id BIGINT NOT NULL, line INTEGER NOT NULL, year INTEGER NOT NULL,
		entry_date TEXT NOT NULL, event_kind TEXT NOT NULL, account TEXT NOT NULL, institution_id BIGINT NOT NULL,
		sub_key TEXT NOT NULL, debit BIGINT NOT NULL, credit BIGINT NOT NULL, UNIQUE (entry_id, line))`,
	`CREATE INDEX postings_account ON postings (account, year, entry_date)`,
	`CREATE INDEX postings_institution ON postings (institution_id, account)`,
	`CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, username TEXT NOT NULL, action TEXT NOT NULL,
		object_type TEXT NOT NULL, object_id TEXT NOT NULL, after_json TEXT)`,
	`CREATE INDEX audit_object ON audit (object_type, object_id)`,
	`CREATE INDEX audit_at ON audit (at)`,
}

var loopStmts = map[string]string{
	"ytdLock":  `INSERT INTO ytd (person_id, ytd_year, ytd_json, updated_at) VALUES (?, ?, '{}', ?) ON CONFLICT (person_id, ytd_year) DO UPDATE SET updated_at = excluded.updated_at RETURNING ytd_json`,
	"visit":    `SELECT id, institution_id, person_id, status FROM visits WHERE id = ? AND institution_id = ?`,
	"lines":    `SELECT sn, code, class, qty, price, total FROM lines WHERE visit_id = ? AND status = 'open' ORDER BY id`,
	"settle":   `INSERT INTO settlements (visit_id, institution_id, person_id, household_id, ytd_year, scheme_id, kind, med_type, clr_type, reverses_id, setl_date, setl_time, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, medins_setl_id, invono, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
	"fund":     `INSERT INTO funds (settlement_id, seq, type, name, inscp, lmt, pay, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
	"settled":  `UPDATE lines SET status = 'settled', settlement_id = ? WHERE visit_id = ? AND status = 'open'`,
	"ytdWrite": `UPDATE ytd SET ytd_json = ?, basic = ?, fund_total = ?, cost = ?, updated_at = ? WHERE person_id = ? AND ytd_year = ?`,
	"message":  `INSERT INTO messages (institution_id, msgid, infno, req_hash, status, effect_type, effect_id, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"entry":    `INSERT INTO entries (year, entry_date, event_kind, event_id, memo, reverses_id, total, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
	"postings": `INSERT INTO postings (entry_id, line, year, entry_date, event_kind, account, institution_id, sub_key, debit, credit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	"audit":    `INSERT INTO audit (at, username, action, object_type, object_id, after_json) VALUES (?, ?, ?, ?, ?, ?)`,
}

// sqliteLoop measures the bare loop opt.Runs times on a fresh file with
// the connection settings of internal/db.
func sqliteLoop(ctx context.Context, opt Options) (*LoopFigure, error) {
	f := &LoopFigure{Rows: loopRows}
	for r := 0; r < opt.Runs; r++ {
		rate, err := sqliteLoopOnce(ctx, opt)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(opt.Log, "sqlite loop run %d: %.0f tx/s\n", r+1, rate)
		f.Runs = append(f.Runs, rate)
	}
	f.PerSecond = median(f.Runs)
	return f, nil
}

func sqliteLoopOnce(ctx context.Context, opt Options) (float64, error) {
	path := filepath.Join(opt.TempDir, fmt.Sprintf("ncms-bench-loop-%d.db", time.Now().UnixNano()))
	defer func() {
		for _, s := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + s)
		}
	}()
	d, err := db.OpenNoMigrate(ctx, "sqlite:"+path)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	conn := d.SQL()
	for _, q := range loopSchema {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	// Visits with four open lines each, as 2201 + 2204 leave them.
	const persons = 2000
	nVisits := int(opt.Duration.Seconds()*20000) + 1000
	if err := loopFill(ctx, conn, nVisits); err != nil {
		return 0, err
	}
	st := map[string]*sql.Stmt{}
	for k, q := range loopStmts {
		if st[k], err = conn.PrepareContext(ctx, q); err != nil {
			return 0, err
		}
		defer st[k].Close()
	}
	blob := strings.Repeat(`{"k":"v","n":12345},`, 215) // 4.3 KB of JSON-ish text, as result_json with the trace
	start := time.Now()
	n := 0
	for ; n < nVisits && time.Since(start) < opt.Duration; n++ {
		if err := loopTx(ctx, conn, st, int64(n+1), int64(n%persons+1), blob); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func loopFill(ctx context.Context, conn *sql.DB, n int) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	v, err := tx.PrepareContext(ctx, `INSERT INTO visits (id, institution_id, person_id, status) VALUES (?, 1, ?, 'open')`)
	if err != nil {
		return err
	}
	l, err := tx.PrepareContext(ctx, `INSERT INTO lines (visit_id, sn, code, class, qty, price, total, status) VALUES (?, ?, 'S110200001', 'A', 10000, 10000000, 1000, 'open')`)
	if err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		if _, err := v.ExecContext(ctx, i, i%2000+1); err != nil {
			return err
		}
		for j := 1; j <= 4; j++ {
			if _, err := l.ExecContext(ctx, i, fmt.Sprint(j)); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// loopTx is one settlement's worth of rows.
func loopTx(ctx context.Context, conn *sql.DB, st map[string]*sql.Stmt, visit, person int64, blob string) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	s := func(k string) *sql.Stmt { return tx.StmtContext(ctx, st[k]) }
	now := db.Timestamp(time.Now())
	var ytd string
	if err := s("ytdLock").QueryRowContext(ctx, person, 2026, now).Scan(&ytd); err != nil {
		return err
	}
	var id, inst, psn int64
	var status string
	if err := s("visit").QueryRowContext(ctx, visit, 1).Scan(&id, &inst, &psn, &status); err != nil {
		return err
	}
	rows, err := s("lines").QueryContext(ctx, visit)
	if err != nil {
		return err
	}
	for rows.Next() {
		var sn, code, class string
		var qty, price, total int64
		if err := rows.Scan(&sn, &code, &class, &qty, &price, &total); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	var sid int64
	if err := s("settle").QueryRowContext(ctx, visit, 1, person, person, 2026, 1, "outpatient", "11", "11", nil, "2026-01-01", now,
		9800, 5000, 0, 320, 4480, 0, 4480, 0, 0, 0, 4480, 5320, 0, 5320, 0, fmt.Sprint("M", visit), "INV", blob).Scan(&sid); err != nil {
		return err
	}
	if _, err := s("fund").ExecContext(ctx, sid, 1, "310100", "基本医疗保险统筹基金", 4480, 0, 4480, ""); err != nil {
		return err
	}
	var eid int64
	if err := s("entry").QueryRowContext(ctx, 2026, "2026-01-01", "settlement", sid, "", nil, 4480, now, "his").Scan(&eid); err != nil {
		return err
	}
	if _, err := s("postings").ExecContext(ctx, eid, 1, 2026, "2026-01-01", "settlement", "5101", 1, "outpatient", 4480, 0,
		eid, 2, 2026, "2026-01-01", "settlement", "2201", 1, "", 0, 4480); err != nil {
		return err
	}
	if _, err := s("settled").ExecContext(ctx, sid, visit); err != nil {
		return err
	}
	if _, err := s("ytdWrite").ExecContext(ctx, blob[:300], 4480, 4480, 9800, now, person, 2026); err != nil {
		return err
	}
	if _, err := s("message").ExecContext(ctx, 1, fmt.Sprint("M", visit), "2207", "0123456789abcdef0123456789abcdef", "done",
		"settlement", sid, "", now); err != nil {
		return err
	}
	if _, err := s("audit").ExecContext(ctx, now, "his:H00000000001", "settle.settle", "settlement", fmt.Sprint(sid), blob[:300]); err != nil {
		return err
	}
	return tx.Commit()
}
