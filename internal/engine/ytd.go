package engine

import (
	"encoding/json"
	"errors"
	"sort"

	"ncms/internal/money"
)

// YTD is a person's (or household's) year-to-date totals for one scheme
// period. It is a value: Calculate never changes the YTD it is given and
// returns a new one. A reversal (Reverse) subtracts exactly what the visit
// added, so totals always equal the sum of the settlements kept.
type YTD struct {
	Totals
	Pools Pools `json:"pools,omitempty"`
}

// Totals are the fixed year-to-date counters.
type Totals struct {
	Visits        int       `json:"visits"`
	Admissions    int       `json:"admissions"`
	Cost          money.Fen `json:"cost"`           // medfee_sumamt, all kinds
	InScope       money.Fen `json:"inscope"`        // in-scope amounts, all kinds
	AdmissionCost money.Fen `json:"admission_cost"` // medfee of admissions (year_cost_below)
	Deductible    money.Fen `json:"deductible"`     // deductibles applied
	Basic         money.Fen `json:"basic"`          // layer 1 paid
	Catastrophic  money.Fen `json:"catastrophic"`   // layer 2 paid
	Assistance    money.Fen `json:"assistance"`     // layer 3 paid
	Backstop      money.Fen `json:"backstop"`       // layer 4 paid
	PublicHealth  money.Fen `json:"public_health"`  // public-health subsidy applied
	Patient       money.Fen `json:"patient"`        // patient's share
	CatBase       money.Fen `json:"cat_base"`       // cumulative base of the catastrophic layer
	BackstopOwn   money.Fen `json:"backstop_own"`   // patient's share counted by max_per_year
}

// Pool is a named running total: "cap:annual", "ded:major", "cost:inpatient",
// "paid:chronic", "cap:village-day@2013-05-01", "cap:chronic#I10", ...
type Pool struct {
	Key    string
	Amount money.Fen
}

// Pools is a set of named totals, sorted by key, without zero amounts.
type Pools []Pool

// Get returns the amount of key (0 when absent).
func (p Pools) Get(key string) money.Fen {
	for i := range p {
		if p[i].Key == key {
			return p[i].Amount
		}
	}
	return 0
}

// MarshalJSON writes the pools as an object {"key": "12.30"}.
func (p Pools) MarshalJSON() ([]byte, error) {
	m := make(map[string]money.Fen, len(p))
	for _, x := range p {
		m[x.Key] = x.Amount
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads an object {"key": "12.30"}.
func (p *Pools) UnmarshalJSON(b []byte) error {
	var m map[string]money.Fen
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	out := make(Pools, 0, len(m))
	for k, v := range m {
		if k == "" {
			return errors.New("pools: empty key / 累计项名称为空")
		}
		if v != 0 {
			out = append(out, Pool{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	*p = out
	return nil
}

func (t Totals) add(d Totals, sign int) Totals {
	f := money.Fen(sign)
	return Totals{
		Visits: t.Visits + sign*d.Visits, Admissions: t.Admissions + sign*d.Admissions,
		Cost: t.Cost + f*d.Cost, InScope: t.InScope + f*d.InScope, AdmissionCost: t.AdmissionCost + f*d.AdmissionCost,
		Deductible: t.Deductible + f*d.Deductible, Basic: t.Basic + f*d.Basic,
		Catastrophic: t.Catastrophic + f*d.Catastrophic, Assistance: t.Assistance + f*d.Assistance,
		Backstop: t.Backstop + f*d.Backstop, PublicHealth: t.PublicHealth + f*d.PublicHealth,
		Patient: t.Patient + f*d.Patient, CatBase: t.CatBase + f*d.CatBase, BackstopOwn: t.BackstopOwn + f*d.BackstopOwn,
	}
}

// Add returns y + d, field by field and pool by pool.
func (y YTD) Add(d YTD) YTD {
	return YTD{Totals: y.Totals.add(d.Totals, 1), Pools: mergePools(y.Pools, d.Pools, 1)}
}

// Sub returns y − d.
func (y YTD) Sub(d YTD) YTD {
	return YTD{Totals: y.Totals.add(d.Totals, -1), Pools: mergePools(y.Pools, d.Pools, -1)}
}

// Neg returns −y (the delta of a reversal).
func (y YTD) Neg() YTD { return YTD{}.Sub(y) }

// Equal reports whether two totals are the same.
func (y YTD) Equal(o YTD) bool {
	if y.Totals != o.Totals || len(y.Pools) != len(o.Pools) {
		return false
	}
	for i := range y.Pools {
		if y.Pools[i] != o.Pools[i] {
			return false
		}
	}
	return true
}

// mergePools returns a + sign×b as a new sorted slice without zeros.
func mergePools(a, b Pools, sign money.Fen) Pools {
	if len(b) == 0 {
		return a // a is never modified in place, so sharing is safe
	}
	return appendMerged(make(Pools, 0, len(a)+len(b)), a, b, sign)
}

// appendMerged appends a + sign×b (both sorted) to out, sorted and without
// zeros.
func appendMerged(out, a, b Pools, sign money.Fen) Pools {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i].Key < b[j].Key):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].Key < a[i].Key:
			if v := sign * b[j].Amount; v != 0 {
				out = append(out, Pool{b[j].Key, v})
			}
			j++
		default:
			if v := a[i].Amount + sign*b[j].Amount; v != 0 {
				out = append(out, Pool{a[i].Key, v})
			}
			i++
			j++
		}
	}
	return out
}

// poolBuf hands out pieces of a Result's inline pool buffer (work.pools) so
// that the pools of its year-to-date values need no allocation of their own.
// A piece is built by appending to start(); when it outgrows the buffer,
// append moves it to the heap as usual. Every piece is capped at its length,
// so appending to one never overwrites another.
type poolBuf struct{ free []Pool }

// start returns an empty slice over the free part of the buffer.
func (pb *poolBuf) start() Pools { return pb.free[:0] }

// take returns p, built on start(), capped at its length, and takes it out
// of the buffer, unless append has moved it to the heap (it is then longer
// than the free part).
func (pb *poolBuf) take(p Pools) Pools {
	if len(p) <= len(pb.free) {
		pb.free = pb.free[len(p):]
	}
	return p[:len(p):len(p)]
}

// add returns a + d like mergePools(a, d, 1), in the buffer when it fits.
func (pb *poolBuf) add(a, d Pools) Pools {
	if len(d) == 0 {
		return a // a is never modified in place, so sharing is safe
	}
	return pb.take(appendMerged(pb.start(), a, d, 1))
}

// deltaPools collects the pool changes of one calculation (few entries).
type deltaPools struct{ p Pools }

func (d *deltaPools) add(key string, v money.Fen) {
	if v == 0 {
		return
	}
	for i := range d.p {
		if d.p[i].Key == key {
			d.p[i].Amount += v
			return
		}
	}
	// insert sorted
	d.p = append(d.p, Pool{})
	i := len(d.p) - 1
	for i > 0 && d.p[i-1].Key > key {
		d.p[i] = d.p[i-1]
		i--
	}
	d.p[i] = Pool{key, v}
}

// done returns the pools without zero entries (nil when none is left).
func (d *deltaPools) done() Pools {
	out := d.p[:0]
	for _, x := range d.p {
		if x.Amount != 0 {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
