package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/enroll"
	"ncms/internal/money"
)

// Enrollment calibration (docs/demo.md): about 3% of households do not
// enroll (participation ≈ 97%, SPEC §12: 98%); a few pay late, in
// February, and are covered 90 days later.
const (
	skipPerMille = 30
	latePerMille = 5
)

// standards is the contribution standard of S14 (SPEC §4): central 124 +
// region 38 + prefecture 10 + county 28 + individual 30 = 230, government
// shares due on 31 March.
func (b *builder) standards() []enroll.Standard {
	due := civil.New(b.year, 3, 31)
	p, _ := enroll.PresetByKey("s14")
	out := make([]enroll.Standard, len(p.Standards))
	for i, s := range p.Standards {
		if s.Source.IsGovernment() {
			s.DueDate = due
		}
		out[i] = s
	}
	return out
}

// enroll opens the year with the S14 standard and civil-affairs
// subsidies and enrolls the county the way townships do: each township's
// collection campaign entered at once (enroll.EnrollBulk, one payment
// day per township in the window), then at the desk (enroll.Enroll) the
// members of subsidized categories, whose individual share civil affairs
// pays. The households kept aside by people() — registered later — are
// the non-participants and the late payers (February: covered 90 days
// later).
func (b *builder) enroll() error {
	en := enroll.New(b.d, enroll.Options{Now: b.clk.Now})
	b.clk.Set(at(civil.New(b.year-1, 8, 20), 0))
	y, err := en.CreateYear(b.ctx, enroll.YearInput{Year: b.year, WaitingDays: 90})
	if err != nil {
		return err
	}
	if _, err := en.SetStandards(b.ctx, b.year, b.standards(), enroll.DefaultSubsidies()); err != nil {
		return err
	}
	if _, err := en.SetStatus(b.ctx, b.year, enroll.Open); err != nil {
		return err
	}
	// The services refuse payment days after "today": their clock is the
	// real one from here on (every payment day is in the past).
	b.clk.Set(b.opt.Now())
	rnd := rand.New(rand.NewPCG(b.opt.Seed, 0x656e726f))
	span := y.WindowTo.DaysSince(y.WindowFrom)
	for _, t := range b.c.towns {
		// campaigns cluster early in the window; one roll per township
		// (each bulk enrollment reads the township's people: per village
		// it would read the county's register a hundred times)
		d := rnd.IntN(span+1) * rnd.IntN(span+1) / max(span, 1)
		_, err := en.EnrollBulk(b.ctx, enroll.BulkInput{Year: b.year, AreaID: t.ID, Tier: 1, PaidOn: y.WindowFrom.AddDays(d)})
		if err != nil && apperr.KindOf(err) != apperr.Conflict { // Conflict: nobody to enroll
			return fmt.Errorf("bulk enrollment of %s: %w", t.Name, err)
		}
	}
	if err := b.enrollAtDesk(en, y, rnd); err != nil {
		return err
	}
	if err := b.importLater(); err != nil {
		return err
	}
	var late []int64
	for _, hh := range b.c.lateHH {
		late = append(late, hh)
	}
	return parallel(b.ctx, b.opt.Workers, len(late), func(ctx context.Context, i int) error {
		paid := civil.New(b.year, 2, 1).AddDays(int(late[i] % 27))
		_, err := en.Enroll(ctx, enroll.EnrollInput{Year: b.year, HouseholdID: late[i], Tier: 1, PaidOn: paid, Method: "cash"})
		return err
	})
}

// enrollAtDesk enrolls, household by household, the active people the
// village campaigns left out (subsidized categories): with the household
// when none of it is enrolled, else joining its tier.
func (b *builder) enrollAtDesk(en *enroll.Service, y enroll.Year, rnd *rand.Rand) error {
	rows, err := b.d.QueryContext(b.ctx, `SELECT p.household_id, p.id,
		(SELECT COUNT(*) FROM enrollments e WHERE e.household_id = p.household_id AND +e.year = ? AND e.cancelled_at IS NULL)
		FROM persons p WHERE p.status = 'active' AND NOT EXISTS (SELECT 1 FROM enrollments e
		WHERE e.person_id = p.id AND e.year = ? AND e.cancelled_at IS NULL) ORDER BY p.household_id, p.id`, b.year, b.year)
	if err != nil {
		return err
	}
	type job struct {
		hh      int64
		persons []int64
		paid    civil.Date
	}
	var jobs []job
	for rows.Next() {
		var hh, id, n int64
		if err := rows.Scan(&hh, &id, &n); err != nil {
			rows.Close()
			return err
		}
		if len(jobs) == 0 || jobs[len(jobs)-1].hh != hh {
			jobs = append(jobs, job{hh: hh})
		}
		if n > 0 {
			jobs[len(jobs)-1].persons = append(jobs[len(jobs)-1].persons, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	span := y.WindowTo.DaysSince(y.WindowFrom)
	for i := range jobs {
		jobs[i].paid = y.WindowFrom.AddDays(rnd.IntN(span + 1))
	}
	return parallel(b.ctx, b.opt.Workers, len(jobs), func(ctx context.Context, i int) error {
		j := jobs[i]
		_, err := en.Enroll(ctx, enroll.EnrollInput{Year: b.year, HouseholdID: j.hh, PersonIDs: j.persons, PaidOn: j.paid,
			Tier: map[bool]int{true: 0, false: 1}[len(j.persons) > 0], Method: "cash"})
		return err
	})
}

// arrivals records the government and civil-affairs money as it arrives
// during the year (SPEC §4: the city share 7 days late; not all of it in).
func (b *builder) arrivals(ctx context.Context, en *enroll.Service, from, to civil.Date) error {
	if b.due == nil {
		r, err := en.Receivables(ctx, b.year)
		if err != nil {
			return err
		}
		b.due = map[enroll.Source]money.Fen{}
		for _, l := range r.Sources {
			b.due[l.Source] = l.Due
		}
	}
	due := b.due
	type part struct {
		src   enroll.Source
		on    civil.Date
		share int64 // percent of the due amount
	}
	parts := []part{
		{enroll.CivilAffairs, civil.New(b.year, 1, 20), 100},
		{enroll.Central, civil.New(b.year, 3, 25), 60},
		{enroll.Provincial, civil.New(b.year, 3, 31), 100},
		{enroll.City, civil.New(b.year, 4, 7), 100},
		{enroll.County, civil.New(b.year, 5, 15), 50},
		{enroll.Central, civil.New(b.year, 9, 20), 30},
	}
	for i, p := range parts {
		if p.on.Before(from) || p.on.After(to) || due[p.src] <= 0 {
			continue
		}
		amt := money.Fen(int64(due[p.src]) * p.share / 100)
		if _, err := en.RecordArrival(ctx, enroll.ArrivalInput{Year: b.year, Source: p.src, Amount: amt, ArrivedOn: p.on,
			Reference: "财预〔" + itoa(b.year) + "〕" + itoa(i+11) + "号"}); err != nil {
			return err
		}
	}
	return nil
}
