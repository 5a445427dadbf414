package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// Line is one posting of an entry: an account, what it names (institution
// and/or key, as the account requires) and an amount on one side.
type Line struct {
	Account     Code      `json:"account"`
	Institution int64     `json:"institution_id,omitempty"`
	Key         string    `json:"key,omitempty"`
	Debit       money.Fen `json:"debit"`
	Credit      money.Fen `json:"credit"`
}

// Dr is a debit line. A negative amount becomes a credit of the opposite
// amount, so a builder given a reversal's negated amounts mirrors itself.
func Dr(acct Code, amount money.Fen) Line { return side(Line{Account: acct}, amount, true) }

// Cr is a credit line (a negative amount becomes a debit).
func Cr(acct Code, amount money.Fen) Line { return side(Line{Account: acct}, amount, false) }

func side(l Line, amount money.Fen, debit bool) Line {
	if amount < 0 {
		amount, debit = -amount, !debit
	}
	if debit {
		l.Debit = amount
	} else {
		l.Credit = amount
	}
	return l
}

// Inst sets the institution the line names.
func (l Line) Inst(id int64) Line { l.Institution = id; return l }

// K sets the line's key (source, visit kind, pool, person id).
func (l Line) K(key string) Line { l.Key = key; return l }

// Entry is a balanced set of lines recording one business event.
type Entry struct {
	ID       int64      `json:"id"`
	Year     int        `json:"year"` // scheme (fund) year
	Date     civil.Date `json:"date"`
	Kind     EventKind  `json:"event_kind"`
	EventID  int64      `json:"event_id"`
	Memo     string     `json:"memo"`
	Reverses int64      `json:"reverses_id,omitempty"`
	Lines    []Line     `json:"lines"`
	// Set when read back.
	ReversedBy int64     `json:"reversed_by,omitempty"`
	Total      money.Fen `json:"total"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
}

// Add appends lines, dropping zero ones.
func (e *Entry) Add(lines ...Line) {
	for _, l := range lines {
		if l.Debit != 0 || l.Credit != 0 {
			e.Lines = append(e.Lines, l)
		}
	}
}

// Totals returns the entry's debit and credit sums.
func (e Entry) Totals() (debit, credit money.Fen) {
	for _, l := range e.Lines {
		debit += l.Debit
		credit += l.Credit
	}
	return debit, credit
}

// Empty reports whether the entry has no non-zero line (an event that
// moves no money, e.g. a settlement the funds pay nothing of). Callers
// skip posting an empty entry; Post refuses it.
func (e Entry) Empty() bool {
	for _, l := range e.Lines {
		if l.Debit != 0 || l.Credit != 0 {
			return false
		}
	}
	return true
}

// ErrUnbalanced and the other check failures are internal errors: an
// unbalanced entry is a programming fault, never a user's.
var (
	errEmpty = fmt.Errorf("ledger: empty entry")
)

// Check validates an entry without writing it: a known event kind, a year
// and date, at least one line, every line on a known account naming what
// the account requires with one positive side, and Σ debit = Σ credit.
func (e Entry) Check() error {
	if !e.Kind.Valid() {
		return fmt.Errorf("ledger: unknown event kind %q", e.Kind)
	}
	if e.Year <= 0 || e.Date.IsZero() {
		return fmt.Errorf("ledger: %s %d: entry needs a year and a date", e.Kind, e.EventID)
	}
	if len(e.Lines) == 0 {
		return errEmpty
	}
	for i, l := range e.Lines {
		a, ok := Lookup(l.Account)
		if !ok {
			return fmt.Errorf("ledger: line %d: unknown account %q", i+1, l.Account)
		}
		if l.Debit < 0 || l.Credit < 0 || (l.Debit == 0) == (l.Credit == 0) {
			return fmt.Errorf("ledger: line %d (%s): exactly one positive side needed (debit %s, credit %s)", i+1, l.Account, l.Debit, l.Credit)
		}
		if a.Keyed == KeyInstitution && l.Institution <= 0 {
			return fmt.Errorf("ledger: line %d: account %s needs an institution", i+1, l.Account)
		}
		if a.Keyed != KeyNone && a.Keyed != KeyInstitution && l.Key == "" {
			return fmt.Errorf("ledger: line %d: account %s needs a %s key", i+1, l.Account, a.Keyed)
		}
	}
	d, c := e.Totals()
	if d != c {
		return fmt.Errorf("ledger: %s %d: unbalanced entry: debit %s ≠ credit %s", e.Kind, e.EventID, d, c)
	}
	return nil
}

// Post writes a balanced entry in tx — the transaction of the event it
// records, so the event and its entry commit or roll back together — and
// returns its id. It refuses an empty or unbalanced entry.
func Post(ctx context.Context, tx *db.Tx, e Entry) (int64, error) {
	if err := e.Check(); err != nil {
		return 0, err
	}
	d, _ := e.Totals()
	by := ""
	if a, ok := access.FromContext(ctx); ok {
		by = a.Username
	}
	var rev any
	if e.Reverses != 0 {
		rev = e.Reverses
	}
	id, err := tx.InsertID(ctx, `INSERT INTO ledger_entries (year, entry_date, event_kind, event_id, memo, reverses_id, total,
		created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Year, e.Date, string(e.Kind), e.EventID, e.Memo, rev,
		int64(d), db.Timestamp(time.Now()), by)
	if db.IsUniqueViolation(err) {
		return 0, apperr.New(apperr.Conflict, "already_reversed", "该凭证已冲正", "the entry is already reversed")
	}
	if err != nil {
		return 0, err
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO ledger_postings (entry_id, line, year, entry_date, event_kind, account, institution_id, sub_key,
		debit, credit) VALUES `)
	args := make([]any, 0, 10*len(e.Lines))
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, id, i+1, e.Year, e.Date, string(e.Kind), string(l.Account), l.Institution, l.Key,
			int64(l.Debit), int64(l.Credit))
	}
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return 0, err
	}
	return id, nil
}

// PostIfAny posts e unless it is empty (an event that moved no money) and
// returns the entry id (0 when nothing was posted).
func PostIfAny(ctx context.Context, tx *db.Tx, e Entry) (int64, error) {
	if e.Empty() {
		return 0, nil
	}
	return Post(ctx, tx, e)
}

// Reverse posts the mirror of entry id (every debit a credit and the
// reverse) as a new entry of the given event (kind, eventID), dated on,
// pointing at it. An entry is reversed at most once; a reversing entry
// cannot itself be reversed. The original is left unchanged.
func Reverse(ctx context.Context, tx *db.Tx, id int64, kind EventKind, eventID int64, on civil.Date, memo string) (int64, error) {
	orig, err := loadEntry(ctx, tx, id)
	if err != nil {
		return 0, err
	}
	if orig.Reverses != 0 {
		return 0, apperr.New(apperr.Conflict, "is_reversal", "冲正凭证不能再冲正", "a reversing entry cannot be reversed")
	}
	rev := Entry{Year: orig.Year, Date: on, Kind: kind, EventID: eventID, Memo: memo, Reverses: id}
	for _, l := range orig.Lines {
		l.Debit, l.Credit = l.Credit, l.Debit
		rev.Lines = append(rev.Lines, l)
	}
	return Post(ctx, tx, rev)
}

var errEntryNotFound = apperr.NotFoundf("凭证 / entry")

// loadEntry reads an entry with its lines.
func loadEntry(ctx context.Context, q db.Querier, id int64) (Entry, error) {
	var e Entry
	var at string
	var total int64
	err := q.QueryRowContext(ctx, `SELECT e.id, e.year, e.entry_date, e.event_kind, e.event_id, e.memo, COALESCE(e.reverses_id, 0),
		COALESCE((SELECT r.id FROM ledger_entries r WHERE r.reverses_id = e.id), 0), e.total, e.created_at, e.created_by
		FROM ledger_entries e WHERE e.id = ?`, id).Scan(&e.ID, &e.Year, &e.Date, &e.Kind, &e.EventID, &e.Memo, &e.Reverses,
		&e.ReversedBy, &total, &at, &e.CreatedBy)
	if db.IsNoRows(err) {
		return e, errEntryNotFound
	}
	if err != nil {
		return e, err
	}
	e.Total = money.Fen(total)
	e.CreatedAt, _ = db.ParseTimestamp(at)
	rows, err := q.QueryContext(ctx, `SELECT account, institution_id, sub_key, debit, credit FROM ledger_postings
		WHERE entry_id = ? ORDER BY line`, id)
	if err != nil {
		return e, err
	}
	defer rows.Close()
	for rows.Next() {
		var l Line
		var d, c int64
		if err := rows.Scan(&l.Account, &l.Institution, &l.Key, &d, &c); err != nil {
			return e, err
		}
		l.Debit, l.Credit = money.Fen(d), money.Fen(c)
		e.Lines = append(e.Lines, l)
	}
	return e, rows.Err()
}

// EntryOf returns the latest entry posted for an event (kind, id), or 0.
func EntryOf(ctx context.Context, q db.Querier, kind EventKind, eventID int64) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM ledger_entries WHERE event_kind = ? AND event_id = ?`,
		string(kind), eventID).Scan(&id)
	return id, err
}
