package enroll_test

import (
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/enroll"
	"ncms/internal/money"
	"ncms/internal/registry"
)

func calendar2026() enroll.Year {
	p, _ := enroll.PresetByKey("pan")
	return enroll.Year{Year: 2026, PeriodFrom: day("2026-01-01"), PeriodTo: day("2026-12-31"),
		WindowFrom: day("2025-09-01"), WindowTo: day("2025-12-20"), WaitingDays: 90, Status: enroll.Open,
		Standards: p.Standards, Subsidies: p.Subsidies}
}

func TestCoverWindow(t *testing.T) {
	y := calendar2026()
	adult := day("1980-01-01")
	cases := []struct {
		name        string
		paid, birth string
		from        string
		late, nb    bool
		err         string
	}{
		{"window opens", "2025-09-01", "", "2026-01-01", false, false, ""},
		{"window closes", "2025-12-20", "", "2026-01-01", false, false, ""},
		{"day after window", "2025-12-21", "", "2026-03-21", true, false, ""},
		{"late in period", "2026-02-10", "", "2026-05-11", true, false, ""},
		{"last day that still covers", "2026-10-02", "", "2026-12-31", true, false, ""},
		{"waiting past period", "2026-10-03", "", "", false, false, "waiting_beyond_period"},
		{"before window", "2025-08-31", "", "", false, false, "window_not_open"},
		{"after period", "2027-01-01", "", "", false, false, "year_over"},
		{"no date", "", "", "", false, false, "required"},
		{"newborn within 90 days", "2026-05-30", "2026-03-01", "2026-03-01", true, true, ""},
		{"newborn on day 90", "2026-05-30", "2026-03-01", "2026-03-01", true, true, ""},
		{"newborn after 90 days", "2026-06-01", "2026-03-01", "2026-08-30", true, false, ""},
		{"born after window, before period", "2026-01-10", "2025-12-25", "2026-01-01", true, true, ""},
		{"born in window, paid late", "2026-01-10", "2025-12-01", "2026-04-10", true, false, ""},
		{"newborn paid in window", "2025-12-20", "2025-12-19", "2026-01-01", false, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			birth := adult
			if c.birth != "" {
				birth = day(c.birth)
			}
			var paid civil.Date
			if c.paid != "" {
				paid = day(c.paid)
			}
			w, err := enroll.CoverWindow(y, paid, birth)
			if c.err != "" {
				wantErr(t, err, apperr.Invalid, c.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.From != day(c.from) || w.To != y.PeriodTo || w.Late != c.late || w.Newborn != c.nb {
				t.Fatalf("window %+v, want from %s late %v newborn %v", w, c.from, c.late, c.nb)
			}
		})
	}
}

// Baiyun runs its benefit period from 1 November.
func TestCoverWindowOtherPeriod(t *testing.T) {
	in := enroll.YearInput{Year: 2014, PeriodFrom: day("2013-11-01"), WaitingDays: -1}.WithDefaults()
	if fs := enroll.CheckYear(in); len(fs) != 0 {
		t.Fatal(fs)
	}
	if in.PeriodTo != day("2014-10-31") || in.WindowFrom != day("2013-07-01") || in.WindowTo != day("2013-10-20") || in.WaitingDays != 90 {
		t.Fatalf("defaults %+v", in)
	}
	cal := enroll.YearInput{Year: 2026, WaitingDays: -1}.WithDefaults()
	if cal.PeriodFrom != day("2026-01-01") || cal.PeriodTo != day("2026-12-31") || cal.WindowFrom != day("2025-09-01") || cal.WindowTo != day("2025-12-20") {
		t.Fatalf("calendar defaults %+v", cal)
	}
	y := enroll.Year{Year: 2014, PeriodFrom: day("2013-11-01"), PeriodTo: day("2014-10-31"),
		WindowFrom: day("2013-07-01"), WindowTo: day("2013-10-20"), WaitingDays: 90}
	w := must(enroll.CoverWindow(y, day("2013-10-01"), day("1980-01-01")))(t)
	if w.From != day("2013-11-01") || w.To != day("2014-10-31") || w.Late {
		t.Fatalf("%+v", w)
	}
}

func TestCompute(t *testing.T) {
	y := calendar2026()
	y.Subsidies = []enroll.Subsidy{{Category: registry.Wubao, Rate: money.Whole}, {Category: registry.Dibao, Rate: money.Percent(50)},
		{Category: registry.Youfu, Amount: yuan("10")}, {Category: registry.Tekun, Amount: yuan("99")}}
	members := []enroll.Member{
		{PersonID: 1, Name: "plain", BirthDate: day("1970-01-01")},
		{PersonID: 2, Name: "wubao", BirthDate: day("1940-01-01"), Categories: registry.Categories{registry.Wubao}},
		{PersonID: 3, Name: "dibao", BirthDate: day("1950-01-01"), Categories: registry.Categories{registry.Dibao}},
		{PersonID: 4, Name: "youfu+dibao", BirthDate: day("1950-01-01"), Categories: registry.Categories{registry.Dibao, registry.Youfu}},
		{PersonID: 5, Name: "tekun", BirthDate: day("1950-01-01"), Categories: registry.Categories{registry.Tekun}},
		{PersonID: 6, Name: "disabled", BirthDate: day("1950-01-01"), Categories: registry.Categories{registry.Disabled}},
	}
	q := must(enroll.Compute(y, 1, day("2025-10-01"), members))(t)
	want := []struct {
		person, civil string
		sub           registry.Category
	}{{"30", "0", ""}, {"0", "30", registry.Wubao}, {"15", "15", registry.Dibao}, {"15", "15", registry.Dibao},
		{"0", "30", registry.Tekun}, {"30", "0", ""}}
	for i, l := range q.Lines {
		if l.PersonPays != yuan(want[i].person) || l.CivilPays != yuan(want[i].civil) || l.Subsidy != want[i].sub ||
			l.Government != yuan("200") || l.Total != yuan("230") {
			t.Errorf("%s: %+v", l.Name, l)
		}
	}
	if q.PersonPays != yuan("90") || q.CivilPays != yuan("90") || q.Government != yuan("1200") || q.Total != yuan("1380") {
		t.Fatalf("totals %+v", q)
	}
	wantBy := []enroll.Share{{Source: enroll.Individual, Amount: yuan("90")}, {Source: enroll.CivilAffairs, Amount: yuan("90")},
		{Source: enroll.Government, Amount: yuan("1200")}}
	if len(q.BySource) != 3 || q.BySource[0] != wantBy[0] || q.BySource[1] != wantBy[1] || q.BySource[2] != wantBy[2] {
		t.Fatalf("by source %v", q.BySource)
	}
	// A half share of an odd fen amount rounds once, half up: 0.15 → 0.08.
	y.Standards = []enroll.Standard{{Tier: 1, Source: enroll.Individual, Amount: yuan("0.15")}}
	q = must(enroll.Compute(y, 1, day("2025-10-01"), members[2:3]))(t)
	if q.Lines[0].CivilPays != yuan("0.08") || q.Lines[0].PersonPays != yuan("0.07") {
		t.Fatalf("rounding %+v", q.Lines[0])
	}
	_, err := enroll.Compute(y, 2, day("2025-10-01"), members)
	wantErr(t, err, apperr.Invalid, "unknown_tier")
	_, err = enroll.Compute(y, 1, day("2025-10-01"), nil)
	wantErr(t, err, apperr.Invalid, "no_members")
}

func TestChongqingTiers(t *testing.T) {
	p, _ := enroll.PresetByKey("chongqing")
	y := calendar2026()
	y.Standards = p.Standards
	if tiers := y.Tiers(); len(tiers) != 2 || y.TierTotal(1) != yuan("60") || y.TierTotal(2) != yuan("150") {
		t.Fatalf("tiers %v", tiers)
	}
	q := must(enroll.Compute(y, 2, day("2025-10-01"), []enroll.Member{{PersonID: 1, BirthDate: day("1970-01-01")}}))(t)
	if q.PersonPays != yuan("150") {
		t.Fatalf("tier 2 pays %s", q.PersonPays)
	}
}

func TestPresetsValid(t *testing.T) {
	totals := map[string]string{"pan": "230", "s11": "100", "s14": "230", "s2": "130", "baiyun": "45", "chongqing": "60"}
	for _, p := range enroll.Presets() {
		if fs := enroll.CheckStandards(p.Standards, p.Subsidies); len(fs) != 0 {
			t.Errorf("%s: %v", p.Key, fs)
		}
		y := enroll.Year{Standards: p.Standards}
		if got := y.TierTotal(1); got != yuan(totals[p.Key]) {
			t.Errorf("%s tier 1 total %s, want %s", p.Key, got, totals[p.Key])
		}
	}
}

func TestCheckStandards(t *testing.T) {
	ind := enroll.Standard{Tier: 1, Source: enroll.Individual, Amount: yuan("30")}
	cases := []struct {
		name string
		std  []enroll.Standard
		subs []enroll.Subsidy
		code string
	}{
		{"bad source", []enroll.Standard{ind, {Tier: 1, Source: "bank", Amount: 1}}, nil, "bad_source"},
		{"civil affairs is not a standard line", []enroll.Standard{ind, {Tier: 1, Source: enroll.CivilAffairs, Amount: 1}}, nil, "bad_source"},
		{"tier 0", []enroll.Standard{{Tier: 0, Source: enroll.Individual, Amount: 1}}, nil, "bad_tier"},
		{"negative", []enroll.Standard{ind, {Tier: 1, Source: enroll.City, Amount: -1}}, nil, "negative"},
		{"duplicate", []enroll.Standard{ind, ind}, nil, "duplicate"},
		{"tier gap", []enroll.Standard{ind, {Tier: 3, Source: enroll.Individual, Amount: 1}}, nil, "tier_gap"},
		{"no individual", []enroll.Standard{ind, {Tier: 2, Source: enroll.City, Amount: 1}}, nil, "no_individual"},
		{"bad category", []enroll.Standard{ind}, []enroll.Subsidy{{Category: "rich", Rate: 1}}, "bad_category"},
		{"rate and amount", []enroll.Standard{ind}, []enroll.Subsidy{{Category: registry.Dibao, Rate: 1, Amount: 1}}, "rate_or_amount"},
		{"neither", []enroll.Standard{ind}, []enroll.Subsidy{{Category: registry.Dibao}}, "rate_or_amount"},
		{"over 100%", []enroll.Standard{ind}, []enroll.Subsidy{{Category: registry.Dibao, Rate: 10001}}, "out_of_range"},
	}
	for _, c := range cases {
		fs := enroll.CheckStandards(c.std, c.subs)
		found := false
		for _, f := range fs {
			found = found || f.Code == c.code
		}
		if !found {
			t.Errorf("%s: %v, want %s", c.name, fs, c.code)
		}
	}
}
