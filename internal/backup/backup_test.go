package backup_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ncms/internal/backup"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/his"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// county is the HIS sandbox (registry, enrollment, scheme, catalogue,
// institutions, users) with settled visits (visits, lines, settlements,
// ledger, audit), and a HIS client to write more.
type county struct {
	d      *db.DB
	client *his.Client
	sb     *his.SandboxFile
}

func newCounty(t *testing.T, d *db.DB) *county {
	t.Helper()
	yaml, err := os.ReadFile("../../schemes/chongqing-2013.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key, _ := institution.NewKey(b)
	sb, err := his.CreateSandbox(context.Background(), d, his.SandboxOptions{SchemeFile: "chongqing-2013.yaml", SchemeYAML: yaml, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpx.Wrap(his.New(his.Config{DB: d, Key: key}), slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	in := sb.Institutions[0]
	c := &county{d: d, sb: sb, client: &his.Client{BaseURL: srv.URL, Code: in.FixmedinsCode, Name: in.FixmedinsName,
		Area: sb.MdtrtareaAdmvs, PaasID: in.PaasID, Secret: in.Secret}}
	for i := range 3 {
		if err := c.visit(i); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// visit registers, uploads and settles one outpatient visit of person i.
func (c *county) visit(i int) error {
	ctx := context.Background()
	p := c.sb.Persons[i%len(c.sb.Persons)]
	day := time.Now().In(his.China).Format("2006-01-02")
	call := func(infno string, input any) (map[string]any, error) {
		r, err := c.client.Call(ctx, infno, input)
		if err != nil {
			return nil, err
		}
		if r.InfCode != 0 {
			return nil, fmt.Errorf("%s: %s", infno, r.ErrMsg)
		}
		var out map[string]any
		return out, r.Decode(&out)
	}
	reg, err := call("2201", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "insutype": "390", "begntime": day + " 09:00:00",
		"ipt_otp_no": fmt.Sprintf("MZ%d", time.Now().UnixNano())}})
	if err != nil {
		return err
	}
	visit := fmt.Sprint(reg["data"].(map[string]any)["mdtrt_id"])
	if _, err := call("2204", map[string]any{"feedetail": []any{map[string]any{"feedetl_sn": "1", "mdtrt_id": visit,
		"fee_ocur_time": day + " 09:30:00", "med_list_codg": "S110200001", "det_item_fee_sumamt": "10.00", "cnt": "1", "pric": "10"}}}); err != nil {
		return err
	}
	_, err = call("2207", map[string]any{"data": map[string]any{"psn_no": p.PsnNo, "mdtrt_id": visit, "med_type": "11",
		"medfee_sumamt": "10.00", "insutype": "390"}})
	return err
}

// tableSum is a table's row count and a checksum of its rows (sorted, so
// that physical order does not matter).
type tableSum struct {
	Rows int
	Sum  string
}

// snapshot sums every table of a database.
func snapshot(t *testing.T, conn *sql.DB, postgres bool) map[string]tableSum {
	t.Helper()
	ctx := context.Background()
	var tables []string
	var err error
	if postgres {
		var rows *sql.Rows
		rows, err = conn.QueryContext(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
		if err == nil {
			for rows.Next() {
				var n string
				_ = rows.Scan(&n)
				tables = append(tables, n)
			}
			err = rows.Close()
		}
	} else {
		tables, err = backup.SQLiteTables(ctx, conn)
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]tableSum{}
	for _, tb := range tables {
		rows, err := conn.QueryContext(ctx, `SELECT * FROM "`+tb+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, v := range vals {
				if x, ok := v.([]byte); ok {
					v = string(x)
				}
				fmt.Fprintf(&b, "%v\x1f", v)
			}
			lines = append(lines, b.String())
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		sort.Strings(lines)
		h := sha256.Sum256([]byte(strings.Join(lines, "\x1e")))
		out[tb] = tableSum{len(lines), hex.EncodeToString(h[:8])}
	}
	return out
}

func compare(t *testing.T, what string, want, got map[string]tableSum) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: %d tables, want %d", what, len(got), len(want))
	}
	for tb, w := range want {
		if g := got[tb]; g != w {
			t.Errorf("%s: table %s: %d rows %s, want %d rows %s", what, tb, g.Rows, g.Sum, w.Rows, w.Sum)
		}
	}
}

// mainTables must hold rows in the fixture, so that the comparison means something.
var mainTables = []string{"areas", "households", "persons", "users", "institutions", "schemes", "catalog_entries", "institution_secrets", "contribution_payments",
	"enrollments", "visits", "fee_lines", "settlements", "settlement_funds", "settle_messages", "ytd_persons",
	"ledger_entries", "ledger_postings", "audit_log"}

func checkFixture(t *testing.T, s map[string]tableSum) {
	t.Helper()
	for _, tb := range mainTables {
		if s[tb].Rows == 0 {
			t.Errorf("fixture: table %s is empty", tb)
		}
	}
}

// consistent checks invariants that hold only between whole transactions:
// the ledger balances, and every settlement has its message and its entry.
func consistent(t *testing.T, conn *sql.DB) {
	t.Helper()
	var debit, credit, orphans int64
	if err := conn.QueryRow(`SELECT COALESCE(SUM(debit),0), COALESCE(SUM(credit),0) FROM ledger_postings`).Scan(&debit, &credit); err != nil {
		t.Fatal(err)
	}
	if debit != credit {
		t.Errorf("backup taken mid-transaction: ledger debit %d ≠ credit %d", debit, credit)
	}
	if err := conn.QueryRow(`SELECT COUNT(*) FROM settlements s WHERE NOT EXISTS (SELECT 1 FROM fee_lines l WHERE l.visit_id = s.visit_id)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("backup taken mid-transaction: %d settlements without lines", orphans)
	}
}

func TestBackupRestoreSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "live.db")
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c := newCounty(t, d)

	// A backup while a HIS client keeps settling visits.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var written atomic.Int64
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			if err := c.visit(i); err != nil {
				writeErr = err
				return
			}
			written.Add(1)
		}
	}()
	for written.Load() < 2 && writeErr == nil {
		time.Sleep(10 * time.Millisecond)
	}
	hot := filepath.Join(dir, "hot.ncmsbak")
	info, err := backup.Backup(ctx, dsn, hot)
	stop.Store(true)
	wg.Wait()
	if err != nil || writeErr != nil {
		t.Fatalf("backup during writes: %v; writer: %v", err, writeErr)
	}
	if written.Load() < 2 || info.Tables < 30 || info.SchemaVersion == 0 {
		t.Fatalf("backup info %+v after %d concurrent visits", info, written.Load())
	}
	hotConn := openRO(t, hot)
	consistent(t, hotConn)
	hotSum := snapshot(t, hotConn, false)
	checkFixture(t, hotSum)

	// Restore into a new path: identical to the backup, table by table.
	restored := "sqlite:" + filepath.Join(dir, "restored", "ncms.db")
	if _, err := backup.Restore(ctx, restored, hot, false); err != nil {
		t.Fatal(err)
	}
	compare(t, "restored hot backup", hotSum, snapshot(t, openRO(t, strings.TrimPrefix(restored, "sqlite:")), false))

	// A quiet backup equals the live database; its restore too.
	live := snapshot(t, d.SQL(), false)
	quiet := filepath.Join(dir, "quiet.ncmsbak")
	if _, err := backup.Backup(ctx, dsn, quiet); err != nil {
		t.Fatal(err)
	}
	compare(t, "quiet backup", live, snapshot(t, openRO(t, quiet), false))
	if _, err := backup.Backup(ctx, dsn, quiet); err == nil {
		t.Error("backup over an existing file was accepted")
	}
	missing := filepath.Join(dir, "nowhere", "ncms.db")
	if _, err := backup.Backup(ctx, "sqlite:"+missing, filepath.Join(dir, "x.db")); err == nil {
		t.Error("backup of a missing database was accepted")
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("backup of a missing database created it")
	}

	// Restoring over a database with data needs --force.
	if _, err := backup.Restore(ctx, restored, quiet, false); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore over data without force: %v", err)
	}
	if _, err := backup.Restore(ctx, restored, quiet, true); err != nil {
		t.Fatal(err)
	}
	compare(t, "forced restore", live, snapshot(t, openRO(t, strings.TrimPrefix(restored, "sqlite:")), false))

	// A damaged or foreign file is refused, and the target is untouched.
	bad := filepath.Join(dir, "bad.ncmsbak")
	raw, _ := os.ReadFile(quiet)
	for i := len(raw) / 2; i < len(raw)/2+4096 && i < len(raw); i++ {
		raw[i] ^= 0x5a
	}
	_ = os.WriteFile(bad, raw, 0o600)
	if _, err := backup.Restore(ctx, restored, bad, true); err == nil {
		t.Error("a damaged backup was restored")
	}
	_ = os.WriteFile(bad, []byte("not a database"), 0o600)
	if _, err := backup.Restore(ctx, restored, bad, true); err == nil {
		t.Error("a text file was restored")
	}
	compare(t, "target after refused restores", live, snapshot(t, openRO(t, strings.TrimPrefix(restored, "sqlite:")), false))
}

func TestBackupRestorePostgres(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.PostgresDSN(t)
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	newCounty(t, d)
	file := filepath.Join(t.TempDir(), "pg.dump")
	if _, err := backup.Backup(ctx, dsn, file); err != nil {
		if errors.Is(err, backup.ErrNoTool) && os.Getenv("CI") != "true" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	live := snapshot(t, d.SQL(), true)
	checkFixture(t, live)
	target := dbtest.PostgresDSN(t)
	if _, err := backup.Restore(ctx, target, file, false); err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("pgx", target)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	compare(t, "restored dump", live, snapshot(t, conn, true))
	if _, err := backup.Restore(ctx, target, file, false); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore over data without force: %v", err)
	}
	if _, err := backup.Restore(ctx, target, file, true); err != nil {
		t.Fatal(err)
	}
	compare(t, "forced restore", live, snapshot(t, conn, true))
}

func openRO(t *testing.T, path string) *sql.DB {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
