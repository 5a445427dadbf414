package demo

import (
	"fmt"

	"ncms/internal/civil"
	"ncms/internal/institution"
	"ncms/internal/money"
)

// Planted patterns (SPEC §10), a handful each whatever the size, so the
// screening rules have something to find (docs/demo.md "Planted fraud").
const (
	PatternImpersonation = "impersonation"   // 冒名住院: same person in two hospitals at once
	PatternSplit         = "split_admission" // 分解住院: readmitted to the same hospital within days
	PatternDuplicate     = "duplicate_bill"  // 重复收费: the same bill settled twice
	PatternCostGrowth    = "cost_growth"     // 费用异常增长: one hospital's stays cost 60% more from July
	PatternPhantom       = "phantom_outpatient"
)

// plant adds the planted visits, using enrollees chosen by the seed.
func (pl *planner) plant() {
	c := pl.b.c
	res := pl.b.res
	pick := func() (int, person, bool) {
		for range 1000 {
			i := pl.r.IntN(len(c.persons))
			if p := c.persons[i]; p.Enrolled && p.CoverFrom == c.yearFirst && p.Birth.AgeOn(pl.last) >= 18 {
				return i, p, true
			}
		}
		return 0, person{}, false
	}
	mark := func(pattern, inst, desc string) int {
		res.Planted = append(res.Planted, Planted{Pattern: pattern, Institution: inst, Description: desc})
		return len(res.Planted)
	}
	stay := func(pi, in int, begin civil.Date, days int, planted int) {
		v := visit{kind: -1, medType: "21", inst: in, person: pi, begin: begin, end: begin.AddDays(days),
			setl: begin.AddDays(days), diag: []string{"J18.9"}, planted: planted}
		v.lines = stayLines(pl.r, c.insts[in].Level, "21", begin, days, money.Fen(1400*100*days/6))
		pl.out = append(pl.out, v)
		res.Planted[planted-1].PersonIDs = appendOnce(res.Planted[planted-1].PersonIDs, c.persons[pi].ID)
	}
	months := pl.last.DaysSince(pl.first)
	if months < 40 || len(c.byLevel[institution.Township]) == 0 || len(c.byLevel[institution.County]) == 0 {
		return // too early in the year to plant anything that settles
	}
	towns, counties := c.byLevel[institution.Township], c.byLevel[institution.County]
	for k := range 3 {
		pi, p, ok := pick()
		if !ok {
			return
		}
		hosp, town := counties[k%len(counties)], pl.instAt(institution.Township, p)
		begin := pl.first.AddDays(20 + pl.r.IntN(months-40))
		m := mark(PatternImpersonation, c.insts[hosp].Name+" / "+c.insts[town].Name,
			fmt.Sprintf("同一人 %s 至 %s 在县医院住院期间又在乡镇卫生院住院 / in two hospitals at once", begin, begin.AddDays(8)))
		stay(pi, hosp, begin, 8, m)
		stay(pi, town, begin.AddDays(2), 4, m)
	}
	for range 3 {
		pi, p, ok := pick()
		if !ok {
			return
		}
		town := pl.instAt(institution.Township, p)
		begin := pl.first.AddDays(10 + pl.r.IntN(months-40))
		m := mark(PatternSplit, c.insts[town].Name,
			fmt.Sprintf("出院后2天内再次入院同一机构（%s 起）/ readmitted to the same hospital 2 days after discharge", begin))
		stay(pi, town, begin, 5, m)
		stay(pi, town, begin.AddDays(7), 5, m)
	}
	for range 2 {
		pi, p, ok := pick()
		if !ok {
			return
		}
		town := pl.instAt(institution.Township, p)
		begin := pl.first.AddDays(pl.r.IntN(months - 20))
		m := mark(PatternDuplicate, c.insts[town].Name, fmt.Sprintf("同一天同一金额的门诊费用结算两次（%s）/ the same bill settled twice", begin))
		lines := outpatientLines(pl.r, kinds[1], begin, 1.5)
		for range 2 {
			pl.out = append(pl.out, visit{kind: 1, medType: "11", inst: town, person: pi, begin: begin, setl: begin,
				diag: []string{"J06.9"}, lines: lines, planted: m})
		}
		res.Planted[m-1].PersonIDs = []int64{c.persons[pi].ID}
	}
	// One village clinic bills five people nearly every day for three weeks.
	if vs := c.byLevel[institution.Village]; len(vs) > 0 {
		clinic := vs[len(vs)-1]
		begin := pl.last.AddDays(-60)
		m := mark(PatternPhantom, c.insts[clinic].Name,
			fmt.Sprintf("5人连续21天每天门诊（%s 起）/ five people billed almost daily for three weeks", begin))
		for range 5 {
			pi, _, ok := pick()
			if !ok {
				return
			}
			for d := range 21 {
				day := begin.AddDays(d)
				pl.out = append(pl.out, visit{kind: 0, medType: "11", inst: clinic, person: pi, begin: day, setl: day,
					diag: []string{"J06.9"}, lines: outpatientLines(pl.r, kinds[0], day, 1.6), planted: m})
			}
			res.Planted[m-1].PersonIDs = append(res.Planted[m-1].PersonIDs, c.persons[pi].ID)
		}
	}
	// The last township hospital's stays cost 60% more from 1 July.
	grow := towns[len(towns)-1]
	mark(PatternCostGrowth, c.insts[grow].Name, "7月起次均住院费用上涨约60% / cost per stay up about 60% from July")
	july := civil.New(pl.first.Year, 7, 1)
	for i := range pl.out {
		v := &pl.out[i]
		if v.inst == grow && v.kind >= 0 && kinds[v.kind].admission && !v.begin.Before(july) {
			days := v.end.DaysSince(v.begin)
			v.lines = stayLines(pl.r, institution.Township, v.medType, v.begin, days+2, sumLines(v)*16/10)
			v.end = v.begin.AddDays(days + 2)
			v.setl = v.end
			if v.end.After(pl.last) {
				v.end, v.setl = pl.last, pl.last
			}
		}
	}
}

func sumLines(v *visit) money.Fen {
	var t money.Fen
	for _, l := range v.lines {
		t += l.Total
	}
	return t
}

func appendOnce(ids []int64, id int64) []int64 {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}
