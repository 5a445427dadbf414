package demo

import (
	"math"
	"math/rand/v2"
	"sort"

	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// visitKind is one kind of visit with its calibrated rate and cost
// (docs/demo.md "Visits"). Rates are per enrollee per year; costs are the
// mean total bill in yuan; los the mean length of stay in days.
type visitKind struct {
	name      string
	medType   string
	level     institution.Level
	admission bool
	rate      float64
	mean      float64
	los       float64
	diag      []string
}

// kinds are the calibrated visit kinds. Outpatient rates are scaled by
// Options.OutpatientShare when planned.
var kinds = []visitKind{
	{"village outpatient", "11", institution.Village, false, 2.0, 9.1, 0, []string{"J06.9", "J00", "K29.7", "M54.5", "R51"}},
	{"township outpatient", "11", institution.Township, false, 0.8, 22.1, 0, []string{"J06.9", "I10", "K29.7", "E11.9"}},
	{"county outpatient", "11", institution.County, false, 0.25, 60.7, 0, []string{"I10", "E11.9", "J20.9", "K21.0"}},
	{"township stay", "21", institution.Township, true, 0.045, 1200, 6, []string{"J18.9", "J44.1", "K29.7", "I10", "N39.0"}},
	{"county stay", "21", institution.County, true, 0.03, 1600, 8, []string{"J18.9", "I63.9", "I25.1", "K80.2", "S72.0"}},
	{"city stay", "21", institution.City, true, 0.01, 5000, 11, []string{"I63.9", "C16.9", "I21.9", "C34.9", "N18.5"}},
	{"delivery", "52", institution.Township, true, 0, 1500, 3, []string{"O80.0"}},
	{"appendicitis (per disease)", "26", institution.County, true, 0.0008, 3000, 5, []string{"K35.8"}},
}

// Target is a calibration target: the mean bill of a level and clearing
// type (11 outpatient, 21 stay) — SPEC §12 and the figures.
type Target struct {
	Name    string
	Level   string
	ClrType string
	Mean    float64 // yuan
}

// Targets are the means the generator aims at (docs/demo.md); the tests
// check the settled bills against them.
var Targets = []Target{
	{"village outpatient", "village", "11", 9.1},
	{"township outpatient", "township", "11", 22.1},
	{"county outpatient", "county", "11", 60.7},
	{"township stay", "township", "21", 1200},
	{"county stay", "county", "21", 1600},
	{"city stay", "city", "21", 5000},
}

// Deliveries: women aged 20–39 give birth at this yearly rate; 40% at a
// township hospital, the rest at a county hospital.
const deliveryRate = 0.06

// Manual claims: stays at the provincial hospital (not networked) per
// enrollee per year, mean bill in yuan.
const (
	claimRate = 0.0015
	claimMean = 12000.0
)

// visit is one planned visit.
type visit struct {
	kind    int // index into kinds; -1 for planted visits of a kind given by medType
	medType string
	inst    int // index into county.insts
	person  int // index into county.persons
	begin   civil.Date
	end     civil.Date // admissions
	setl    civil.Date // settlement day (discharge, or the visit day)
	referal bool
	diag    []string
	lines   []settle.LineInput
	planted int // 1 + index into Result.Planted, 0 when not planted
	seq     int // order within the plan
}

// item is a catalogue item the generator bills.
type item struct {
	code    string
	price   money.Fen // per unit, as billed
	consent bool      // class C: the patient signed the consent (hosp_appr_flag 1)
}

var (
	itAmoxicillin = item{code: "XJ01CAA040A001010101445", price: 25}
	itIbuprofen   = item{code: "XM01AEB010E001010101445", price: 60}
	itDanshen     = item{code: "ZC01AAF0195010103943", price: 35}
	itCefixime    = item{code: "XJ01DDA080A001010101445", price: 320}
	itSaline      = item{code: "XB05XAS060B002010101445", price: 250}
	itAlbumin     = item{code: "XB05AAR010B002010100520", price: 38000}
	itICUBed      = item{code: "F110900001", price: 50000}
	itBed         = item{code: "F110200001", price: 3000}
	itConsult     = item{code: "S110200001", price: 1000}
	itBlood       = item{code: "S250101001", price: 2000}
	itCT          = item{code: "S210300001", price: 18000} // billed at its ceiling
	itTonic       = item{code: "ZC99ZZZ0001010100001", price: 5000, consent: true}
	itNursing     = item{code: "S120100001", price: 2500}
	itInfusion    = item{code: "S120400001", price: 1200}
	itLiver       = item{code: "S250301001", price: 6000}
	itAppendix    = item{code: "S311000001", price: 120000}
	itDelivery    = item{code: "S331100001", price: 80000}
	itCefuroxime  = item{code: "XJ01DCA030B002010101445", price: 1500}
	itVillageFee  = item{code: "S110200002", price: 600}
	itInjection   = item{code: "S120400002", price: 200}
)

// lineSet builds a visit's fee lines.
type lineSet struct {
	day   civil.Date
	lines []settle.LineInput
	total money.Fen
}

func (ls *lineSet) add(it item, n int) {
	if n <= 0 {
		return
	}
	ls.lines = append(ls.lines, settle.LineInput{SN: itoa(len(ls.lines) + 1), Code: it.code,
		Qty: engine.Qty(int64(n) * 10000), Price: engine.Price(int64(it.price) * 10000), Total: it.price * money.Fen(n), Date: ls.day,
		Approval: map[bool]int{true: 1}[it.consent]})
	ls.total += it.price * money.Fen(n)
}

// addIfRoom adds n of the item when the bill stays within target (the
// occasional expensive items must not push small bills above their size).
func (ls *lineSet) addIfRoom(it item, n int, target money.Fen) {
	if ls.total+it.price*money.Fen(n) <= target {
		ls.add(it, n)
	}
}

// fill spends what is left of target on the two items, in shares a:(1-a).
func (ls *lineSet) fill(target money.Fen, x, y item, a float64) {
	left := target - ls.total
	if left <= 0 {
		return
	}
	nx := int(float64(left) * a / float64(x.price))
	ls.add(x, nx)
	ls.add(y, int(math.Round(float64(target-ls.total)/float64(y.price))))
}

// costFactor draws a bill's size relative to the mean: lognormal with
// mean 1 (σ = 0.5), cut to 0.25–4.
func costFactor(r *rand.Rand) float64 {
	const s = 0.5
	return min(4, max(0.25, math.Exp(r.NormFloat64()*s-s*s/2)))
}

// outpatientLines bills a clinic visit of about mean yuan.
func outpatientLines(r *rand.Rand, k visitKind, day civil.Date, factor float64) []settle.LineInput {
	ls := &lineSet{day: day}
	target := money.Fen(k.mean * factor * 100)
	switch k.level {
	case institution.Village:
		ls.add(itVillageFee, 1)
		if r.IntN(2) == 0 {
			ls.addIfRoom(itInjection, 1, target)
		}
		ls.fill(target, itAmoxicillin, itIbuprofen, 0.4)
	default:
		if r.IntN(2) == 0 || k.level == institution.County {
			ls.add(itConsult, 1)
		}
		if k.level == institution.County && r.IntN(5) < 3 {
			ls.add(itBlood, 1)
		}
		if r.IntN(4) == 0 {
			ls.add(itDanshen, 10+r.IntN(20))
		}
		ls.fill(target, itCefixime, itCefuroxime, 0.5)
	}
	if len(ls.lines) == 0 {
		ls.add(itIbuprofen, 1)
	}
	return ls.lines
}

// stayLines bills an admission of days days and about target fen.
func stayLines(r *rand.Rand, level institution.Level, medType string, begin civil.Date, days int, target money.Fen) []settle.LineInput {
	ls := &lineSet{day: begin}
	ls.add(itBed, days)
	ls.add(itNursing, days)
	if r.IntN(5) < 4 {
		ls.add(itInfusion, days)
	}
	ls.add(itBlood, 1+days/4)
	ls.add(itLiver, 1)
	switch medType {
	case "26":
		ls.add(itAppendix, 1)
	case "52":
		ls.add(itDelivery, 1)
	}
	if level != institution.Township || r.IntN(10) < 3 {
		ls.addIfRoom(itCT, 1, target)
	}
	if level == institution.City && r.IntN(5) == 0 {
		ls.addIfRoom(itICUBed, 1+r.IntN(3), target)
	}
	if level != institution.Township && r.IntN(6) == 0 {
		ls.addIfRoom(itAlbumin, 1+r.IntN(3), target)
	}
	if r.IntN(5) == 0 {
		ls.addIfRoom(itTonic, 1+r.IntN(3), target)
	}
	// what is left: half more care (infusions, tests), half drugs, for a
	// drug share near a third even in long city stays (SPEC §10 watches
	// 药占比 against a 45% limit)
	if left := target - ls.total; left > 0 {
		ls.add(itInfusion, int(float64(left)*0.30/float64(itInfusion.price)))
		ls.add(itBlood, int(float64(left)*0.20/float64(itBlood.price)))
	}
	ls.fill(target, itCefuroxime, itSaline, 0.6)
	return ls.lines
}

// poisson draws a Poisson count (Knuth; the means here are small).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// planner makes the year's visits.
type planner struct {
	b     *builder
	r     *rand.Rand
	first civil.Date // 1 January
	last  civil.Date // the last day a visit may settle (yesterday)
	out   []visit
	claim []visit
}

// instAt picks an institution of the level for a person: their township's
// hospital or village clinic when there is one, else any of the level.
func (pl *planner) instAt(level institution.Level, p person) int {
	c := pl.b.c
	idx := c.byLevel[level]
	if len(idx) == 0 {
		return -1
	}
	if level == institution.Township || level == institution.Village {
		var own []int
		for _, i := range idx {
			if c.insts[i].town == p.Town {
				own = append(own, i)
			}
		}
		if level == institution.Village && len(own) > 0 {
			// a village clinic serves its own village and the next one
			return own[min(len(own)-1, p.Village/2%max(len(own), 1))]
		}
		if len(own) > 0 {
			return own[pl.r.IntN(len(own))]
		}
		if level == institution.Village {
			return -1
		}
	}
	return idx[pl.r.IntN(len(idx))]
}

// day draws a day of the year so far, on or after from.
func (pl *planner) day(from civil.Date) (civil.Date, bool) {
	if from.Before(pl.first) {
		from = pl.first
	}
	span := pl.last.DaysSince(from)
	if span < 0 {
		return civil.Date{}, false
	}
	return from.AddDays(pl.r.IntN(span + 1)), true
}

// plan draws every enrollee's visits.
func (b *builder) plan() (visits, claims []visit) {
	pl := &planner{b: b, r: rand.New(rand.NewPCG(b.opt.Seed, 0x76697369)), first: b.c.yearFirst, last: b.today.AddDays(-1)}
	yearShare := float64(pl.last.DaysSince(pl.first)+1) / 365
	for pi, p := range b.c.persons {
		if !p.Enrolled {
			continue
		}
		age := p.Birth.AgeOn(pl.last)
		ageF := 1.0
		switch {
		case age >= 60:
			ageF = 1.8
		case age < 15:
			ageF = 0.6
		}
		for ki, k := range kinds {
			rate := k.rate * ageF * yearShare
			if !k.admission {
				rate *= b.opt.OutpatientShare
			}
			if k.medType == "52" {
				rate = 0
				if p.Female && age >= 20 && age < 40 {
					rate = deliveryRate * yearShare
				}
			}
			for n := poisson(pl.r, rate); n > 0; n-- {
				pl.visit(ki, pi, p)
			}
		}
		for n := poisson(pl.r, claimRate*ageF*yearShare); n > 0; n-- {
			pl.claimVisit(pi, p)
		}
	}
	// a small county still shows the claims workflow: at least three
	for try := 0; len(pl.claim) < 3 && try < 200; try++ {
		if pi := pl.r.IntN(len(b.c.persons)); b.c.persons[pi].Enrolled {
			pl.claimVisit(pi, b.c.persons[pi])
		}
	}
	pl.plant()
	sort.SliceStable(pl.out, func(i, j int) bool { return pl.out[i].setl.Before(pl.out[j].setl) })
	for i := range pl.out {
		pl.out[i].seq = i
	}
	sort.SliceStable(pl.claim, func(i, j int) bool { return pl.claim[i].end.Before(pl.claim[j].end) })
	return pl.out, pl.claim
}

// visit plans one visit of kind ki for person pi.
func (pl *planner) visit(ki, pi int, p person) {
	k := kinds[ki]
	level := k.level
	if k.medType == "52" && pl.r.IntN(10) >= 4 {
		level = institution.County
	}
	in := pl.instAt(level, p)
	if in < 0 {
		return
	}
	f := costFactor(pl.r)
	begin, ok := pl.day(p.CoverFrom)
	if !ok {
		return
	}
	v := visit{kind: ki, medType: k.medType, inst: in, person: pi, begin: begin, setl: begin,
		diag: []string{k.diag[pl.r.IntN(len(k.diag))]}}
	if !k.admission {
		v.lines = outpatientLines(pl.r, k, begin, f)
		pl.out = append(pl.out, v)
		return
	}
	target := money.Fen(k.mean * f * 100)
	days := max(1, int(math.Round(k.los*f)))
	v.end = begin.AddDays(days)
	if v.end.After(pl.last) {
		return // still in hospital: nothing to settle yet
	}
	v.setl = v.end
	v.referal = level == institution.City && pl.r.IntN(10) < 8
	v.lines = stayLines(pl.r, level, k.medType, begin, days, target)
	pl.out = append(pl.out, v)
}

// claimVisit plans a stay at the provincial hospital, filed by hand.
func (pl *planner) claimVisit(pi int, p person) {
	in := pl.instAt(institution.Province, p)
	begin, ok := pl.day(p.CoverFrom)
	if in < 0 || !ok {
		return
	}
	f := costFactor(pl.r)
	days := max(2, int(math.Round(12*f)))
	end := begin.AddDays(days)
	// filed within the month after discharge: only stays whose month has
	// had its month-end are filed by now
	if end.Month == pl.last.Month && end.Year == pl.last.Year || end.After(pl.last) {
		return
	}
	pl.claim = append(pl.claim, visit{kind: -1, medType: "21", inst: in, person: pi, begin: begin, end: end, setl: end,
		referal: true, diag: []string{[]string{"C16.9", "I21.9", "C34.9", "I61.9"}[pl.r.IntN(4)]},
		lines: stayLines(pl.r, institution.Province, "21", begin, days, money.Fen(claimMean*f*100))})
}
