// Package catalog keeps the reimbursement catalogue (目录, SPEC §5): drugs,
// service items and facilities with their national code, class A / B / C,
// the class-B first self-pay share, an optional unit price ceiling, the
// essential-drug and restricted-use flags, and the institution levels at
// which each is reimbursable. An item's terms change by year, so every item
// is kept as dated versions; lookups take the date of service.
//
// The catalogue only describes items. Splitting a bill line is the engine's
// job (engine.ClassifyLine): Entry.Line turns an entry and a bill line into
// the engine.Line it needs, so no other package re-implements the mapping.
//
// Writes (single items, CSV/XLSX import) need the scheme administrator and
// are audited in the same transaction; any authenticated actor may read.
package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/money"
)

// Service manages the catalogue over one database.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// Options configure a Service. The zero value is fine.
type Options struct {
	Now func() time.Time // the clock (default time.Now)
}

// New returns a catalogue service over d.
func New(d *db.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{db: d, now: opt.Now}
}

// China is the time zone in which "today" is reckoned (UTC+8).
var China = time.FixedZone("CST", 8*3600)

// Today returns the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

// Kind is what a catalogue item is.
type Kind string

// The three catalogues of SPEC §5.
const (
	Drug        Kind = "drug"     // 药品
	ServiceItem Kind = "service"  // 诊疗项目
	Facility    Kind = "facility" // 服务设施
)

// Label returns the kind's Chinese and English names.
func (k Kind) Label() (zh, en string) {
	switch k {
	case Drug:
		return "药品", "drug"
	case ServiceItem:
		return "诊疗项目", "service item"
	case Facility:
		return "服务设施", "facility"
	}
	return string(k), string(k)
}

// ParseKind reads a kind code or its Chinese name.
func ParseKind(s string) (Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "drug", "药品", "西药", "中成药", "中药饮片", "1":
		return Drug, true
	case "service", "诊疗项目", "医疗服务项目", "诊疗", "2":
		return ServiceItem, true
	case "facility", "服务设施", "设施", "3":
		return Facility, true
	}
	return "", false
}

// Entry is one version of a catalogue item.
type Entry struct {
	ID          int64        `json:"id"`
	Code        string       `json:"med_list_codg"`
	Name        string       `json:"name"`
	Kind        Kind         `json:"kind"`
	Class       engine.Class `json:"class"`
	SelfPay     money.Rate   `json:"-"`         // class B first self-pay share
	PriceCap    engine.Price `json:"price_cap"` // unit price ceiling; 0 none
	Price       engine.Price `json:"price"`     // reference unit price; 0 unknown
	Unit        string       `json:"unit"`
	Spec        string       `json:"spec"`
	FeeType     string       `json:"med_chrgitm_type"`
	Essential   bool         `json:"essential"`
	Restricted  bool         `json:"restricted"`
	Restriction string       `json:"restriction"`
	Levels      []string     `json:"levels"` // institution levels where reimbursable; empty: all
	ValidFrom   civil.Date   `json:"valid_from"`
	ValidTo     civil.Date   `json:"valid_to"` // zero: open-ended
	Created     time.Time    `json:"created_at"`
	Updated     time.Time    `json:"updated_at"`
}

// MarshalJSON writes the entry with selfpay_prop as a 4-decimal fraction
// string ("0.0500"), as the HIS interface writes it.
func (e Entry) MarshalJSON() ([]byte, error) {
	type plain Entry
	return json.Marshal(struct {
		plain
		SelfPayProp string `json:"selfpay_prop"`
	}{plain(e), e.SelfPay.Fraction()})
}

// ChrgitmLv returns the HIS chrgitm_lv code: 01 class A, 02 class B, 03 class C.
func (e Entry) ChrgitmLv() string {
	return [...]string{"", "01", "02", "03"}[e.Class&3]
}

// ValidOn reports whether the version applies on day d.
func (e Entry) ValidOn(d civil.Date) bool { return d.Within(e.ValidFrom, e.ValidTo) }

const cols = `id, code, name, kind, class, selfpay_bp, price_cap, price, unit, spec, fee_type, essential,
	restricted, restriction, levels, valid_from, valid_to, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var class, levels, created, updated string
	err := row.Scan(&e.ID, &e.Code, &e.Name, &e.Kind, &class, &e.SelfPay, &e.PriceCap, &e.Price, &e.Unit,
		&e.Spec, &e.FeeType, &e.Essential, &e.Restricted, &e.Restriction, &levels, &e.ValidFrom, &e.ValidTo,
		&created, &updated)
	if err != nil {
		return e, err
	}
	if err := e.Class.UnmarshalText([]byte(class)); err != nil {
		return e, err
	}
	if levels != "" {
		e.Levels = strings.Split(levels, ",")
	}
	e.Created, _ = db.ParseTimestamp(created)
	e.Updated, _ = db.ParseTimestamp(updated)
	return e, nil
}

// ErrNotFound is returned for a code with no version valid on the date asked.
var ErrNotFound = apperr.New(apperr.NotFound, "catalog_not_found", "目录中无此项目", "item not in the catalogue")

// Lookup returns the version of item code that applies on date (the date
// of service). A code with no version on that date is ErrNotFound; the
// settlement then treats the line as not listed (fully self-paid).
func Lookup(ctx context.Context, q db.Querier, code string, date civil.Date) (Entry, error) {
	e, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM catalog_entries
		WHERE code = ? AND valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)
		ORDER BY valid_from DESC LIMIT 1`, strings.TrimSpace(code), date, date))
	if db.IsNoRows(err) {
		return e, ErrNotFound
	}
	return e, err
}

var errNoActor = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")

func reader(ctx context.Context) error {
	a, ok := access.FromContext(ctx)
	if !ok {
		return errNoActor
	}
	if a.Role == access.Participant {
		return apperr.New(apperr.Forbidden, "forbidden", "无权查看目录维护", "not allowed to browse the catalogue")
	}
	return nil
}

func admin(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	if !a.Can(access.Admin) || a.Scope.IsInstitution() {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权维护目录", "not allowed to change the catalogue")
	}
	return a, nil
}

// Get returns one version by id.
func (s *Service) Get(ctx context.Context, id int64) (Entry, error) {
	if err := reader(ctx); err != nil {
		return Entry{}, err
	}
	e, err := scan(s.db.QueryRowContext(ctx, `SELECT `+cols+` FROM catalog_entries WHERE id = ?`, id))
	if db.IsNoRows(err) {
		return e, ErrNotFound
	}
	return e, err
}

// Versions returns every version of an item, oldest first.
func (s *Service) Versions(ctx context.Context, code string) ([]Entry, error) {
	if err := reader(ctx); err != nil {
		return nil, err
	}
	return s.query(ctx, `SELECT `+cols+` FROM catalog_entries WHERE code = ? ORDER BY valid_from`, strings.TrimSpace(code))
}

func (s *Service) query(ctx context.Context, q string, args ...any) ([]Entry, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Filter selects entries for Search.
type Filter struct {
	Query  string       // part of the code or name
	Kind   Kind         // "" any
	Class  engine.Class // ClassNone: any
	On     civil.Date   // versions valid on this day (zero: today)
	Limit  int          // default 50, at most 500
	Offset int
	// Order is the column to sort by, one of SearchOrders (anything else:
	// by code); Desc reverses it. Ties are broken by code.
	Order string
	Desc  bool
}

// SearchOrders maps the sort keys Search accepts to their ORDER BY column:
// only these strings ever reach the query.
var SearchOrders = map[string]string{"code": "code", "name": "name", "kind": "kind", "class": "class",
	"ceiling": "price_cap", "price": "price", "valid": "valid_from"}

// Search returns the versions valid on f.On that match, by code (or
// f.Order), and how many match in all.
func (s *Service) Search(ctx context.Context, f Filter) ([]Entry, int, error) {
	if err := reader(ctx); err != nil {
		return nil, 0, err
	}
	if f.On.IsZero() {
		f.On = s.Today()
	}
	where := `valid_from <= ? AND (valid_to IS NULL OR valid_to >= ?)`
	args := []any{f.On, f.On}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		where += ` AND (code LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\')`
		args = append(args, p, p)
	}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, string(f.Kind))
	}
	if f.Class != engine.ClassNone {
		where += " AND class = ?"
		args = append(args, f.Class.String())
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_entries WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	order := "code"
	if col, ok := SearchOrders[f.Order]; ok {
		order = col
	}
	if f.Desc {
		order += " DESC"
	}
	if !strings.HasPrefix(order, "code") {
		order += ", code"
	}
	out, err := s.query(ctx, `SELECT `+cols+` FROM catalog_entries WHERE `+where+
		fmt.Sprintf(" ORDER BY %s LIMIT %d OFFSET %d", order, f.Limit, max(f.Offset, 0)), args...)
	return out, total, err
}
