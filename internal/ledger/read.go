package ledger

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// Service reads the books for the console and the API. Posting is done by
// the services that own the events (Post in their transactions).
type Service struct{ db *db.DB }

// New returns the ledger read service over d.
func New(d *db.DB) *Service { return &Service{db: d} }

// ReadRoles may read the books (SPEC §2: finance, director, administrator,
// auditor — all county-wide).
var ReadRoles = []access.Role{access.Admin, access.Finance, access.Director, access.Auditor}

// Authorize returns the actor in ctx if it has one of roles.
func Authorize(ctx context.Context, roles ...access.Role) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, apperr.New(apperr.Unauthenticated, "unauthenticated", "请先登录", "log in first")
	}
	if !a.Can(roles...) {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权查看基金账簿", "not allowed to read the fund's books")
	}
	return a, nil
}

// Filter selects postings. Zero fields select everything.
type Filter struct {
	Year        int        `json:"year"` // scheme year
	From        civil.Date `json:"from"` // entry dates, inclusive
	To          civil.Date `json:"to"`
	Account     Code       `json:"account"`
	Prefix      string     `json:"prefix"`      // account code prefix, e.g. "51" for every compensation expense
	Institution int64      `json:"institution"` // institutions.id
	Key         string     `json:"key"`
	EventKind   EventKind  `json:"event_kind"`
	EventID     int64      `json:"event_id"` // with EventKind
}

// where returns the SQL condition and arguments of the filter on
// ledger_postings aliased p.
func (f Filter) where() (string, []any) {
	var c []string
	var args []any
	add := func(cond string, v any) { c = append(c, cond); args = append(args, v) }
	if f.Year != 0 {
		add("p.year = ?", f.Year)
	}
	if !f.From.IsZero() {
		add("p.entry_date >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("p.entry_date <= ?", f.To)
	}
	if f.Account != "" {
		add("p.account = ?", string(f.Account))
	}
	if f.Prefix != "" {
		add("p.account LIKE ?", f.Prefix+"%")
	}
	if f.Institution != 0 {
		add("p.institution_id = ?", f.Institution)
	}
	if f.Key != "" {
		add("p.sub_key = ?", f.Key)
	}
	if f.EventKind != "" {
		add("p.event_kind = ?", string(f.EventKind))
	}
	if f.EventID != 0 {
		add("p.entry_id IN (SELECT id FROM ledger_entries WHERE event_id = ?)", f.EventID)
	}
	if len(c) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(c, " AND "), args
}

// BalanceRow is one line of a trial balance: an account, or an account and
// what it names (institution, key) when broken down.
type BalanceRow struct {
	Account     Account   `json:"account"`
	Institution int64     `json:"institution_id,omitempty"`
	Key         string    `json:"key,omitempty"`
	Postings    int       `json:"postings"`
	Debit       money.Fen `json:"debit"`
	Credit      money.Fen `json:"credit"`
	Balance     money.Fen `json:"balance"` // on the account's normal side
}

// TrialBalance is debit and credit totals per account over a filter.
type TrialBalance struct {
	Filter   Filter       `json:"filter"`
	Rows     []BalanceRow `json:"rows"`
	Debit    money.Fen    `json:"debit"`
	Credit   money.Fen    `json:"credit"`
	Balanced bool         `json:"balanced"` // Σ debit = Σ credit
}

// TrialBalance totals the postings selected by f per account (per account,
// institution and key when detail is set). Over whole entries (no account
// filter) it balances to the fen.
func (s *Service) TrialBalance(ctx context.Context, f Filter, detail bool) (TrialBalance, error) {
	if _, err := Authorize(ctx, ReadRoles...); err != nil {
		return TrialBalance{}, err
	}
	return Balances(ctx, s.db, f, detail)
}

// Balances is TrialBalance without the role check, for other services
// (fund reports) and tests.
func Balances(ctx context.Context, q db.Querier, f Filter, detail bool) (TrialBalance, error) {
	cond, args := f.where()
	group := "p.account"
	cols := "p.account, 0, ''"
	if detail {
		group, cols = "p.account, p.institution_id, p.sub_key", "p.account, p.institution_id, p.sub_key"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+`, COUNT(*), COALESCE(SUM(p.debit), 0), COALESCE(SUM(p.credit), 0)
		FROM ledger_postings p WHERE `+cond+` GROUP BY `+group+` ORDER BY `+group, args...)
	if err != nil {
		return TrialBalance{}, err
	}
	defer rows.Close()
	tb := TrialBalance{Filter: f}
	for rows.Next() {
		var r BalanceRow
		var code string
		var d, c int64
		if err := rows.Scan(&code, &r.Institution, &r.Key, &r.Postings, &d, &c); err != nil {
			return tb, err
		}
		a, ok := Lookup(Code(code))
		if !ok {
			return tb, fmt.Errorf("ledger: posting on unknown account %q", code)
		}
		r.Account, r.Debit, r.Credit = a, money.Fen(d), money.Fen(c)
		r.Balance = a.Balance(r.Debit, r.Credit)
		tb.Debit += r.Debit
		tb.Credit += r.Credit
		tb.Rows = append(tb.Rows, r)
	}
	tb.Balanced = tb.Debit == tb.Credit
	return tb, rows.Err()
}

// Sum returns debit and credit totals of the postings selected by f.
func Sum(ctx context.Context, q db.Querier, f Filter) (debit, credit money.Fen, err error) {
	cond, args := f.where()
	var d, c int64
	err = q.QueryRowContext(ctx, `SELECT COALESCE(SUM(p.debit), 0), COALESCE(SUM(p.credit), 0) FROM ledger_postings p WHERE `+cond,
		args...).Scan(&d, &c)
	return money.Fen(d), money.Fen(c), err
}

// Posting is one posting as read, with its entry's event.
type Posting struct {
	ID          int64      `json:"id"`
	EntryID     int64      `json:"entry_id"`
	Line        int        `json:"line"`
	Year        int        `json:"year"`
	Date        civil.Date `json:"date"`
	EventKind   EventKind  `json:"event_kind"`
	EventID     int64      `json:"event_id"`
	Memo        string     `json:"memo"`
	Account     Code       `json:"account"`
	Institution int64      `json:"institution_id,omitempty"`
	Key         string     `json:"key,omitempty"`
	Debit       money.Fen  `json:"debit"`
	Credit      money.Fen  `json:"credit"`
	Balance     money.Fen  `json:"balance"` // running balance (statements only)
}

// MaxRows is the most postings one read returns.
const MaxRows = 1000

// Postings lists the postings selected by f in date order (at most limit,
// after offset) and how many there are: the drill-down from any total.
func (s *Service) Postings(ctx context.Context, f Filter, limit, offset int) ([]Posting, int, error) {
	if _, err := Authorize(ctx, ReadRoles...); err != nil {
		return nil, 0, err
	}
	if limit <= 0 || limit > MaxRows {
		limit = MaxRows
	}
	cond, args := f.where()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_postings p WHERE `+cond, args...).Scan(&n); err != nil {
		return nil, 0, err
	}
	list, err := postings(ctx, s.db, cond, args, limit, offset)
	return list, n, err
}

func postings(ctx context.Context, q db.Querier, cond string, args []any, limit, offset int) ([]Posting, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.entry_id, p.line, p.year, p.entry_date, p.event_kind, e.event_id, e.memo,
		p.account, p.institution_id, p.sub_key, p.debit, p.credit FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		WHERE `+cond+` ORDER BY p.entry_date, p.entry_id, p.line LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Posting
	for rows.Next() {
		var p Posting
		var d, c int64
		if err := rows.Scan(&p.ID, &p.EntryID, &p.Line, &p.Year, &p.Date, &p.EventKind, &p.EventID, &p.Memo, &p.Account,
			&p.Institution, &p.Key, &d, &c); err != nil {
			return nil, err
		}
		p.Debit, p.Credit = money.Fen(d), money.Fen(c)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Statement is an account's postings with a running balance.
type Statement struct {
	Account   Account   `json:"account"`
	Filter    Filter    `json:"filter"`
	Opening   money.Fen `json:"opening"` // balance before Filter.From (of the same year, institution and key)
	Rows      []Posting `json:"rows"`
	Debit     money.Fen `json:"debit"`
	Credit    money.Fen `json:"credit"`
	Closing   money.Fen `json:"closing"`
	Truncated bool      `json:"truncated"` // more than MaxRows postings: narrow the dates
}

// Statement returns the postings of f.Account (required) in date order
// with the opening balance before f.From and a running balance on the
// account's normal side.
func (s *Service) Statement(ctx context.Context, f Filter) (Statement, error) {
	if _, err := Authorize(ctx, ReadRoles...); err != nil {
		return Statement{}, err
	}
	a, ok := Lookup(f.Account)
	if !ok {
		return Statement{}, apperr.Field("account", "unknown_account", "请选择科目", "choose an account")
	}
	st := Statement{Account: a, Filter: f}
	if !f.From.IsZero() {
		before := f
		before.From, before.To = civil.Date{}, f.From.AddDays(-1)
		d, c, err := Sum(ctx, s.db, before)
		if err != nil {
			return st, err
		}
		st.Opening = a.Balance(d, c)
	}
	d, c, err := Sum(ctx, s.db, f)
	if err != nil {
		return st, err
	}
	st.Debit, st.Credit = d, c
	st.Closing = st.Opening + a.Balance(d, c)
	cond, args := f.where()
	if st.Rows, err = postings(ctx, s.db, cond, args, MaxRows+1, 0); err != nil {
		return st, err
	}
	if len(st.Rows) > MaxRows {
		st.Rows, st.Truncated = st.Rows[:MaxRows], true
	}
	bal := st.Opening
	for i := range st.Rows {
		bal += a.Balance(st.Rows[i].Debit, st.Rows[i].Credit)
		st.Rows[i].Balance = bal
	}
	return st, nil
}

// Entry returns an entry with its lines: the drill-down from a posting.
func (s *Service) Entry(ctx context.Context, id int64) (Entry, error) {
	if _, err := Authorize(ctx, ReadRoles...); err != nil {
		return Entry{}, err
	}
	return loadEntry(ctx, s.db, id)
}

// EntriesOf returns the entries posted for an event, oldest first: the
// drill-down from an event (a receipt, a settlement) to its books.
func (s *Service) EntriesOf(ctx context.Context, kind EventKind, eventID int64) ([]Entry, error) {
	if _, err := Authorize(ctx, ReadRoles...); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM ledger_entries WHERE event_kind = ? AND event_id = ? ORDER BY id`, string(kind), eventID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []Entry
	for _, id := range ids {
		e, err := loadEntry(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Position is an institution's account with the fund, from its postings:
// what it advanced (its settlements' fund totals) and everything since.
//
//	Payable = Advanced − Reversed − Deducted − (Withheld − Returned) − Paid
type Position struct {
	Institution int64     `json:"institution_id"`
	Advanced    money.Fen `json:"advanced"`
	Reversed    money.Fen `json:"reversed"`
	Deducted    money.Fen `json:"deducted"`
	Withheld    money.Fen `json:"withheld"`
	Returned    money.Fen `json:"returned"` // withholding returned at the year-end true-up
	Kept        money.Fen `json:"kept"`     // withholding kept at the true-up
	Paid        money.Fen `json:"paid"`
	Payable     money.Fen `json:"payable"`      // balance of 2101
	WithheldNow money.Fen `json:"withheld_now"` // balance of 2201
}

// InstitutionPosition reads an institution's position (year 0: all years)
// from the postings of each event kind on its payable and withheld accounts.
func InstitutionPosition(ctx context.Context, q db.Querier, inst int64, year int) (Position, error) {
	p := Position{Institution: inst}
	cond := "institution_id = ?"
	args := []any{inst}
	if year != 0 {
		cond += " AND year = ?"
		args = append(args, year)
	}
	rows, err := q.QueryContext(ctx, `SELECT account, event_kind, COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0) FROM ledger_postings
		WHERE `+cond+` AND account IN ('2101', '2201') GROUP BY account, event_kind`, args...)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var acct, kind string
		var d, c int64
		if err := rows.Scan(&acct, &kind, &d, &c); err != nil {
			return p, err
		}
		dr, cr := money.Fen(d), money.Fen(c)
		if Code(acct) == Withheld {
			p.WithheldNow += cr - dr
			if EventKind(kind) == EvWithholdingRefund {
				p.Kept += dr // returned is counted from 2101 below; the rest is kept
			}
			continue
		}
		p.Payable += cr - dr
		switch EventKind(kind) {
		case EvSettlement:
			p.Advanced += cr - dr
		case EvSettlementReversal:
			p.Reversed += dr - cr
		case EvDeduction:
			p.Deducted += dr - cr
		case EvWithholding:
			p.Withheld += dr - cr
		case EvWithholdingRefund:
			p.Returned += cr - dr
		case EvInstitutionPayment:
			p.Paid += dr - cr
		}
	}
	p.Kept -= p.Returned
	return p, rows.Err()
}

// Keys returns the distinct keys posted to an account, sorted.
func Keys(ctx context.Context, q db.Querier, acct Code) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT sub_key FROM ledger_postings WHERE account = ?`, string(acct))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out, rows.Err()
}

// ParseFilter reads a filter from URL query values (year, from, to,
// account, prefix, institution, key, event_kind, event_id), as the console
// and the API link a total to its postings.
func ParseFilter(get func(string) string) (Filter, error) {
	var f Filter
	var c apperr.Collector
	num := func(name string) int64 {
		v := strings.TrimSpace(get(name))
		if v == "" {
			return 0
		}
		var n int64
		if _, err := fmt.Sscan(v, &n); err != nil {
			c.AddField(name, "not_number", "应为数字", "must be a number")
		}
		return n
	}
	date := func(name string) civil.Date {
		v := strings.TrimSpace(get(name))
		if v == "" {
			return civil.Date{}
		}
		d, err := civil.Parse(v)
		if err != nil {
			c.AddField(name, "bad_date", "日期格式应为YYYY-MM-DD", "date must be YYYY-MM-DD")
		}
		return d
	}
	f.Year, f.Institution, f.EventID = int(num("year")), num("institution"), num("event_id")
	f.From, f.To = date("from"), date("to")
	f.Account, f.Prefix, f.Key = Code(strings.TrimSpace(get("account"))), strings.TrimSpace(get("prefix")), get("key")
	f.EventKind = EventKind(strings.TrimSpace(get("event_kind")))
	if _, ok := Lookup(f.Account); f.Account != "" && !ok {
		c.AddField("account", "unknown_account", "没有该科目", "no such account")
	}
	if f.EventKind != "" && !f.EventKind.Valid() {
		c.AddField("event_kind", "unknown_event", "没有该业务类型", "no such event kind")
	}
	return f, c.Err()
}

// Query writes the filter as URL query parameters (the inverse of
// ParseFilter), for drill-down links.
func (f Filter) Query() string {
	var p []string
	add := func(k, v string) {
		if v != "" && v != "0" {
			p = append(p, k+"="+url.QueryEscape(v))
		}
	}
	add("year", fmt.Sprint(f.Year))
	if !f.From.IsZero() {
		add("from", f.From.String())
	}
	if !f.To.IsZero() {
		add("to", f.To.String())
	}
	add("account", string(f.Account))
	add("prefix", f.Prefix)
	add("institution", fmt.Sprint(f.Institution))
	add("key", f.Key)
	add("event_kind", string(f.EventKind))
	add("event_id", fmt.Sprint(f.EventID))
	return strings.Join(p, "&")
}
