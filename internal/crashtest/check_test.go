package crashtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"ncms/internal/db"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// row is a settlements row.
type row struct {
	ID, Inst, Psn, Visit, Reverses int64
	Year                           int
	MsgID, InstCode                string
	MedFee, Fund, Basic            money.Fen
}

// check reads the database after the last crash and compares it with what
// the clients were told.
func check(t *testing.T, dsn string, book *ledgerBook) {
	t.Helper()
	ctx := context.Background()
	d, err := db.OpenNoMigrate(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows := settlements(t, ctx, d)
	checkAcks(t, rows, book.acks)
	checkMessages(t, ctx, d, rows)
	checkYTD(t, ctx, d, rows)
	checkLedger(t, ctx, d, rows)
	checkLines(t, ctx, d, rows)
	if os.Getenv("NCMS_CRASH_SIZES") != "" && d.Dialect() == db.Postgres {
		sizes(t, ctx, d, len(rows))
	}
	early, replayed := inDoubt(t, ctx, d, book)
	t.Logf("checked %d settlements and reversals against %d answers; %d were in doubt (first attempt killed or timed out): "+
		"%d had committed before the first attempt failed, %d before the answered attempt began (answered from the stored message)",
		len(rows), len(book.acks), len(book.inDoubt), early, replayed)
}

func settlements(t *testing.T, ctx context.Context, d *db.DB) map[int64]row {
	rs, err := d.QueryContext(ctx, `SELECT s.id, s.institution_id, i.code, s.person_id, s.visit_id, COALESCE(s.reverses_id, 0), s.ytd_year,
		s.medins_setl_id, s.medfee_sumamt, s.fund_pay_sumamt, s.hifp_pay FROM settlements s JOIN institutions i ON i.id = s.institution_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[int64]row{}
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.ID, &r.Inst, &r.InstCode, &r.Psn, &r.Visit, &r.Reverses, &r.Year, &r.MsgID, &r.MedFee, &r.Fund, &r.Basic); err != nil {
			t.Fatal(err)
		}
		out[r.ID] = r
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkAcks: every answered settlement is stored as answered, and every
// stored one was answered (the clients retried every message until it
// was): exactly once.
func checkAcks(t *testing.T, rows map[int64]row, acks map[int64]ack) {
	t.Helper()
	for id, a := range acks {
		r, ok := rows[id]
		switch {
		case !ok:
			t.Errorf("LOST: acknowledged %s setl_id %d (msgid %s, person %d, fund %s) is not in the database", a.Infno, id, a.MsgID, a.Psn, a.Fund)
		case r.InstCode != a.Inst || r.Psn != a.Psn || r.Visit != a.Visit || r.Reverses != a.Reverses || r.MedFee != a.MedFee || r.Fund != a.Fund:
			t.Errorf("setl_id %d stored as %+v, answered as %+v", id, r, a)
		case a.Reverses == 0 && r.MsgID != a.MsgID:
			t.Errorf("setl_id %d: medins_setl_id %q, answered to msgid %s", id, r.MsgID, a.MsgID)
		}
	}
	for id, r := range rows {
		if _, ok := acks[id]; !ok {
			t.Errorf("EXTRA: settlement %d (msgid %q, visit %d, reverses %d) was never answered to a client: settled twice?", id, r.MsgID, r.Visit, r.Reverses)
		}
	}
	// One live settlement per visit at most; one settlement per msgid.
	live, byMsg := map[int64]int{}, map[[2]any]int64{}
	for _, r := range rows {
		if r.Reverses != 0 {
			live[r.Visit]--
			continue
		}
		live[r.Visit]++
		k := [2]any{r.Inst, r.MsgID}
		if other, ok := byMsg[k]; ok {
			t.Errorf("msgid %s settled twice: settlements %d and %d", r.MsgID, other, r.ID)
		}
		byMsg[k] = r.ID
	}
	for v, n := range live {
		if n != 0 && n != 1 {
			t.Errorf("visit %d has %d live settlements", v, n)
		}
	}
}

// checkMessages: each settlement and reversal has exactly one message row
// pointing at it, and no message row points at a missing one.
func checkMessages(t *testing.T, ctx context.Context, d *db.DB, rows map[int64]row) {
	t.Helper()
	rs, err := d.QueryContext(ctx, `SELECT msgid, effect_id, status FROM settle_messages WHERE effect_type IN ('settlement', 'reversal')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	seen := map[int64]string{}
	for rs.Next() {
		var msgid, status string
		var id int64
		if err := rs.Scan(&msgid, &id, &status); err != nil {
			t.Fatal(err)
		}
		if _, ok := rows[id]; !ok {
			t.Errorf("message %s names settlement %d, which does not exist", msgid, id)
		}
		if other, ok := seen[id]; ok {
			t.Errorf("settlement %d has two messages: %s and %s", id, other, msgid)
		}
		seen[id] = msgid
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	for id := range rows {
		if _, ok := seen[id]; !ok {
			t.Errorf("settlement %d has no message row (a retry would settle again)", id)
		}
	}
}

// checkYTD: each person's year-to-date totals are the sums of their
// settlements and reversals.
func checkYTD(t *testing.T, ctx context.Context, d *db.DB, rows map[int64]row) {
	t.Helper()
	type key struct {
		psn  int64
		year int
	}
	type sums struct {
		cost, fund, basic money.Fen
		visits            int
	}
	want := map[key]sums{}
	for _, r := range rows {
		k := key{r.Psn, r.Year}
		s := want[k]
		s.cost, s.fund, s.basic = s.cost+r.MedFee, s.fund+r.Fund, s.basic+r.Basic
		if r.Reverses != 0 {
			s.visits--
		} else {
			s.visits++
		}
		want[k] = s
	}
	rs, err := d.QueryContext(ctx, `SELECT person_id, ytd_year, cost, fund_total, basic, ytd_json FROM ytd_persons`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	got := map[key]sums{}
	for rs.Next() {
		var k key
		var s sums
		var text string
		if err := rs.Scan(&k.psn, &k.year, &s.cost, &s.fund, &s.basic, &text); err != nil {
			t.Fatal(err)
		}
		var y struct {
			Visits int `json:"visits"`
		}
		if err := json.Unmarshal([]byte(text), &y); err != nil {
			t.Fatalf("ytd_persons %v: %v", k, err)
		}
		s.visits = y.Visits
		got[k] = s
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	for k, w := range want {
		if g := got[k]; g != w {
			t.Errorf("YTD of person %d, year %d: stored cost %s fund %s basic %s visits %d; settlements sum to cost %s fund %s basic %s visits %d",
				k.psn, k.year, g.cost, g.fund, g.basic, g.visits, w.cost, w.fund, w.basic, w.visits)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != (sums{}) {
			t.Errorf("YTD of person %d, year %d is %+v with no settlements", k.psn, k.year, g)
		}
	}
}

// checkLedger: the trial balance is zero, every entry balances, every
// settlement that moved fund money has exactly its one entry, and each
// institution's payable is the fund total of its settlements.
func checkLedger(t *testing.T, ctx context.Context, d *db.DB, rows map[int64]row) {
	t.Helper()
	tb, err := ledger.Balances(ctx, d, ledger.Filter{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !tb.Balanced || tb.Debit != tb.Credit {
		t.Errorf("trial balance: debit %s, credit %s", tb.Debit, tb.Credit)
	}
	var unbalanced int
	if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id
		HAVING SUM(debit) <> SUM(credit)) x`).Scan(&unbalanced); err != nil {
		t.Fatal(err)
	}
	if unbalanced != 0 {
		t.Errorf("%d ledger entries do not balance", unbalanced)
	}
	rs, err := d.QueryContext(ctx, `SELECT id, event_kind, event_id, total FROM ledger_entries
		WHERE event_kind IN ('settlement', 'settlement_reversal')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	entries := map[int64]int{}
	for rs.Next() {
		var id, ev int64
		var kind string
		var total money.Fen
		if err := rs.Scan(&id, &kind, &ev, &total); err != nil {
			t.Fatal(err)
		}
		entries[ev]++
		r, ok := rows[ev]
		switch {
		case !ok:
			t.Errorf("ledger entry %d (%s) names settlement %d, which does not exist", id, kind, ev)
		case (kind == "settlement_reversal") != (r.Reverses != 0) || total != r.Fund.Abs():
			t.Errorf("ledger entry %d: %s of %s for settlement %d of fund %s", id, kind, total, ev, r.Fund)
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	payable := map[int64]money.Fen{}
	for id, r := range rows {
		payable[r.Inst] += r.Fund
		want := 1
		if r.Fund == 0 {
			want = 0
		}
		if entries[id] != want {
			t.Errorf("settlement %d (fund %s) has %d ledger entries, want %d", id, r.Fund, entries[id], want)
		}
	}
	for inst, want := range payable {
		var credit, debit money.Fen
		if err := d.QueryRowContext(ctx, `SELECT COALESCE(SUM(credit), 0), COALESCE(SUM(debit), 0) FROM ledger_postings
			WHERE account = ? AND institution_id = ?`, string(ledger.PayableInstitution), inst).Scan(&credit, &debit); err != nil {
			t.Fatal(err)
		}
		if credit-debit != want {
			t.Errorf("institution %d: payable %s, its settlements' fund total %s", inst, credit-debit, want)
		}
	}
}

// checkLines: a settlement not reversed holds exactly its lines (their
// total is its medfee); a reversed one holds none.
func checkLines(t *testing.T, ctx context.Context, d *db.DB, rows map[int64]row) {
	t.Helper()
	reversed := map[int64]bool{}
	for _, r := range rows {
		if r.Reverses != 0 {
			reversed[r.Reverses] = true
		}
	}
	rs, err := d.QueryContext(ctx, `SELECT settlement_id, SUM(total), COUNT(*) FROM fee_lines WHERE settlement_id IS NOT NULL
		AND status = 'settled' GROUP BY settlement_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	got := map[int64]money.Fen{}
	for rs.Next() {
		var id int64
		var total money.Fen
		var n int
		if err := rs.Scan(&id, &total, &n); err != nil {
			t.Fatal(err)
		}
		got[id] = total
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	for id, r := range rows {
		switch {
		case r.Reverses != 0:
		case reversed[id] && got[id] != 0:
			t.Errorf("reversed settlement %d still holds lines of %s", id, got[id])
		case !reversed[id] && got[id] != r.MedFee:
			t.Errorf("settlement %d of %s holds lines of %s", id, r.MedFee, got[id])
		}
	}
}

// inDoubt counts the in-doubt messages whose row was written before
// their first attempt failed (early), and before the attempt that was
// answered began (replayed: that answer was the stored one).
func inDoubt(t *testing.T, ctx context.Context, d *db.DB, book *ledgerBook) (early, replayed int) {
	t.Helper()
	for msgid, dt := range book.inDoubt {
		var created string
		if err := d.QueryRowContext(ctx, `SELECT created_at FROM settle_messages WHERE msgid = ?`, msgid).Scan(&created); err != nil {
			t.Errorf("in-doubt message %s: %v", msgid, err)
			continue
		}
		at, err := db.ParseTimestamp(created)
		if err != nil {
			t.Fatal(err)
		}
		if at.Before(dt.failed) {
			early++
		}
		if at.Before(dt.answered) {
			replayed++
		}
	}
	return early, replayed
}

// sizes logs the PostgreSQL tables' sizes (with indexes and TOAST) per
// settlement row (NCMS_CRASH_SIZES=1; docs/scaling.md).
func sizes(t *testing.T, ctx context.Context, d *db.DB, settlements int) {
	if _, err := d.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	rs, err := d.QueryContext(ctx, `SELECT c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint FROM pg_class c
		WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace ORDER BY 2 DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var b strings.Builder
	var total int64
	for rs.Next() {
		var name string
		var size, tuples int64
		if err := rs.Scan(&name, &size, &tuples); err != nil {
			t.Fatal(err)
		}
		total += size
		if size >= 64<<10 {
			fmt.Fprintf(&b, "  %-22s %8d kB  %7d rows  %6.0f B per settlement\n", name, size>>10, tuples, float64(size)/float64(settlements))
		}
	}
	t.Logf("PostgreSQL sizes after %d settlements and reversals (total %d kB, %.0f B each):\n%s", settlements, total>>10,
		float64(total)/float64(settlements), b.String())
}
