package catalog

import (
	"context"

	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/money"
)

// BillLine is one fee line as the institution sends it (HIS feedetail):
// what was charged, not how it is classified.
type BillLine struct {
	ID       string       // feedetl_sn
	Code     string       // med_list_codg
	Name     string       // the institution's name for the item (used when not listed)
	Qty      engine.Qty   // cnt; negative for a refund line
	Price    engine.Price // pric
	Total    money.Fen    // det_item_fee_sumamt (zero: qty × price)
	Date     civil.Date   // fee_ocur_time's day: the catalogue version is the one valid then
	Approval int          // hosp_appr_flag: 0 no approval needed, 1 approved, 2 not approved
}

// Line returns the engine line for bill line b charged under this entry:
// the class, class-B self-pay share, price ceiling, levels and flags come
// from the entry, the amounts from the bill. The engine then splits it
// (engine.ClassifyLine); nothing here decides amounts.
func (e Entry) Line(b BillLine) engine.Line {
	l := NotListed(b)
	l.Name = e.Name
	l.Class = e.Class
	if e.Class == engine.ClassB {
		l.SelfPay = engine.Ratio(e.SelfPay)
	}
	l.PriceCap = e.PriceCap
	l.Levels = e.Levels
	l.Essential = e.Essential
	l.Restricted = e.Restricted
	return l
}

// NotListed returns the engine line for a bill line whose code has no
// catalogue version on its date: class none, which the engine makes fully
// self-paid (reason not_listed).
func NotListed(b BillLine) engine.Line {
	return engine.Line{ID: b.ID, Code: b.Code, Name: b.Name, Approval: b.Approval,
		Qty: b.Qty, Price: b.Price, Total: b.Total, Date: b.Date}
}

// Resolve looks up every bill line's code on its date (or on visitDate when
// the line has no date) and returns the engine lines, in order, with the
// entries found (nil for a code not listed). Codes are looked up once per
// (code, date).
func Resolve(ctx context.Context, q db.Querier, visitDate civil.Date, bills []BillLine) ([]engine.Line, []*Entry, error) {
	type key struct {
		code string
		date civil.Date
	}
	cache := map[key]*Entry{}
	lines := make([]engine.Line, len(bills))
	entries := make([]*Entry, len(bills))
	for i, b := range bills {
		d := b.Date
		if d.IsZero() {
			d = visitDate
		}
		k := key{b.Code, d}
		e, seen := cache[k]
		if !seen {
			found, err := Lookup(ctx, q, b.Code, d)
			switch {
			case err == nil:
				e = &found
			case err != ErrNotFound:
				return nil, nil, err
			}
			cache[k] = e
		}
		entries[i] = e
		if e == nil {
			lines[i] = NotListed(b)
		} else {
			lines[i] = e.Line(b)
		}
	}
	return lines, entries, nil
}
