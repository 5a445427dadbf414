package demo

import (
	"context"
	"fmt"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/claims"
	"ncms/internal/enroll"
	"ncms/internal/fund"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/notice"
	"ncms/internal/schemestore"
	"ncms/internal/settle"
	"ncms/internal/statement"
	"ncms/internal/supervise"
)

// monthEnd runs the county center's work after each month, each step by
// the user whose job it is, on the builder's clock.
type monthEnd struct {
	b   *builder
	st  *statement.Service
	cl  *claims.Service
	en  *enroll.Service
	fd  *fund.Service
	sv  *supervise.Service
	nt  *notice.Service
	hid int // claims filed so far
}

func (b *builder) newMonthEnd(schemes *schemestore.Store) *monthEnd {
	sup := supervise.New(b.d, supervise.Options{Now: b.clk.Now})
	sv := settle.New(b.d, settle.Options{Schemes: schemes, Now: b.clk.Now, Screen: sup})
	cl := claims.New(b.d, claims.Options{Settle: sv, Now: b.clk.Now})
	return &monthEnd{b: b, cl: cl, en: enroll.New(b.d, enroll.Options{Now: b.clk.Now}), fd: fund.New(b.d, b.clk.Now), sv: sup,
		nt: notice.New(b.d, b.clk.Now),
		st: statement.New(b.d, statement.Options{Now: b.clk.Now, Sources: []statement.Source{statement.Claims{Svc: cl}}})}
}

// run does what happens during month m and after its end, in two parts.
// Itself it records the month's arrivals, the allocation (January) and
// the manual claims of stays discharged in m (claims move people's
// year-to-date totals, so they run while no settlement does); it returns
// the rest, which may run while the next month's visits settle: the
// inspector's screening and indicators, deductions, statements prepared,
// checked and approved by three users, notices, the bank batch and its
// payment, quarterly interest. The current month has not ended: only what
// is dated before today happens; later is nil when nothing is left.
func (me *monthEnd) run(m time.Month) (later func() error, err error) {
	b := me.b
	first := civil.New(b.year, m, 1)
	last := civil.New(b.year, m+1, 1).AddDays(-1)
	fin := b.as(b.ctx, "finance")
	if err := me.arrivalsIn(fin, first, earlier(last, b.today.AddDays(-1))); err != nil {
		return nil, err
	}
	if m == time.January {
		b.clk.Set(at(civil.New(b.year, 1, 5), 0))
		if _, err := me.fd.Allocate(fin, fund.AllocateInput{Year: b.year, ReserveRate: 500, On: civil.New(b.year, 1, 5),
			Pools: []fund.PoolSpec{{Code: "outpatient", Name: "门诊统筹", PerEnrollee: money.Yuan(30)}}}); err != nil {
			return nil, fmt.Errorf("allocation: %w", err)
		}
	}
	next := last.AddDays(1)
	if !next.Before(b.today) {
		return nil, nil // the month has not ended (or ends today): its month-end is still to come
	}
	day := func(d int) civil.Date { return civil.New(next.Year, next.Month, d) }
	if err := me.fileClaims(last, day); err != nil {
		return nil, err
	}
	return func() error { return me.close(m, last, day) }, nil
}

// close is the second part of a month-end (see run).
func (me *monthEnd) close(m time.Month, last civil.Date, day func(int) civil.Date) error {
	b := me.b
	fin := b.as(b.ctx, "finance")
	if err := me.screen(m, day); err != nil {
		return err
	}
	if m == time.July {
		if err := me.deduct(day(4)); err != nil {
			return err
		}
	}
	if !day(8).Before(b.today) {
		return nil
	}
	if err := me.statements(m, day); err != nil {
		return err
	}
	next := last.AddDays(1)
	if err := me.notices(m, day, next.Month == b.today.Month || next.AddDays(31).After(b.today)); err != nil {
		return err
	}
	if !day(18).Before(b.today) {
		return nil
	}
	if err := me.pay(day); err != nil {
		return err
	}
	if m%3 == 0 {
		b.clk.Set(at(last, 0))
		if _, err := me.fd.RecordInterest(fin, fund.EventInput{Year: b.year, On: last, Amount: me.interest(last),
			Reference: fmt.Sprintf("%d年第%d季度专户利息", b.year, m/3)}); err != nil {
			return fmt.Errorf("interest: %w", err)
		}
	}
	return nil
}

// arrivalsIn records the installments dated in [from, to].
func (me *monthEnd) arrivalsIn(ctx context.Context, from, to civil.Date) error {
	if to.Before(from) {
		return nil
	}
	me.b.clk.Set(at(to, 0))
	return me.b.arrivals(ctx, me.en, from, to)
}

// interest is the quarter's bank interest on the fund raised: 0.35% a
// year (a demand-deposit rate), a quarter of it.
func (me *monthEnd) interest(on civil.Date) money.Fen {
	raised, err := fund.Raised(me.b.ctx, me.b.d, me.b.year)
	if err != nil || raised <= 0 {
		return money.Yuan(1)
	}
	return max(money.Yuan(1), money.Fen(int64(raised)*35/10000/4))
}

// fileClaims files the manual claims of stays discharged up to last and
// takes them through review: entry by a clerk, first review by the
// reviewer, second review by the director; a special case of the first
// village goes village → township → county. Every tenth claim is refused
// at first review for incomplete documents.
func (me *monthEnd) fileClaims(last civil.Date, day func(int) civil.Date) error {
	b := me.b
	for ; me.hid < len(me.b.claimsPlan) && !me.b.claimsPlan[me.hid].end.After(last); me.hid++ {
		v := me.b.claimsPlan[me.hid]
		p := b.c.persons[v.person]
		special := p.Town == 0 && p.Village == 0
		filer := "reviewer2"
		if p.Town == 0 {
			filer = "clerk"
		}
		b.clk.Set(at(day(3), me.hid%400))
		cl, err := me.cl.File(b.as(b.ctx, filer), claims.FileRequest{PersonID: p.ID, InstitutionID: b.c.insts[v.inst].ID,
			MedType: v.medType, Begin: v.begin, End: v.end, Diagnoses: v.diag, Invoice: fmt.Sprintf("SF%07d", me.hid+1),
			Documents: append(claims.RequiredDocuments("21", v.medType), "referral"), Special: special,
			SpecialReason: map[bool]string{true: "家庭困难,申请三级审批 / hardship: three-level approval"}[special],
			PayeeName:     "参合人员本人", BankName: "县农村信用合作联社", BankAccountNo: fmt.Sprintf("62305%014d", p.ID),
			Lines: v.lines})
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		b.res.Claims++
		steps := []string{"reviewer", "director"}
		if special {
			steps = []string{"village", "reviewer", "director"}
		}
		for i, who := range steps {
			b.clk.Set(at(day(5+2*i), me.hid%400))
			d := claims.Decision{ClaimID: cl.ID, Approve: true}
			if me.hid%10 == 9 && i == 0 {
				d = claims.Decision{ClaimID: cl.ID, ReasonCode: "documents", Reason: "出院小结与发票日期不符,请补正后重新申请"}
			}
			if _, err := me.cl.Decide(b.as(b.ctx, who), d); err != nil {
				return fmt.Errorf("claim %d %s: %w", cl.ID, who, err)
			}
			if !d.Approve {
				break
			}
		}
	}
	return nil
}

// screen is the inspector's month-end: the batch screening of the month's
// settlements (the rules also ran on each settlement through the hook) and
// the institution indicators against peers and history.
func (me *monthEnd) screen(m time.Month, day func(int) civil.Date) error {
	b := me.b
	insp := b.as(b.ctx, "inspector")
	p := statement.Period{Year: b.year, Month: m}
	b.clk.Set(at(day(2), 0))
	if _, err := me.sv.RunScreen(insp, p.First(), p.Last()); err != nil {
		return fmt.Errorf("screening: %w", err)
	}
	if _, _, err := me.sv.ComputeIndicators(insp, p); err != nil {
		return fmt.Errorf("indicators: %w", err)
	}
	return nil
}

// notices generates the month's public notices (finance), has them
// reviewed (inspector) and published for 10 days (director): the county
// and fund notices every month; for the last finished month (all), the
// notices of every township and village too (each notice reads the
// month's settlements of its area: all levels every month would cost a
// tenth of the demo's minute).
func (me *monthEnd) notices(m time.Month, day func(int) civil.Date, all bool) error {
	b := me.b
	fin, insp, dir := b.as(b.ctx, "finance"), b.as(b.ctx, "inspector"), b.as(b.ctx, "director")
	period := statement.Period{Year: b.year, Month: m}.String()
	b.clk.Set(at(day(9), 0))
	var ns []notice.Notice
	if all {
		var err error
		if ns, err = me.nt.GenerateMonth(fin, period); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
	} else {
		for _, id := range []int64{b.c.root.ID} {
			n, err := me.nt.Generate(fin, period, id)
			if apperr.KindOf(err) == apperr.Invalid || apperr.KindOf(err) == apperr.Conflict {
				continue // nobody compensated in the area this month
			}
			if err != nil {
				return fmt.Errorf("notice: %w", err)
			}
			ns = append(ns, n)
		}
	}
	f, err := me.nt.GenerateFund(fin, period)
	if err != nil {
		return fmt.Errorf("fund notice: %w", err)
	}
	ns = append(ns, f)
	b.clk.Set(at(day(10), 0))
	for _, n := range ns {
		if _, err := me.nt.Review(insp, n.ID); err != nil {
			return fmt.Errorf("review notice: %w", err)
		}
		if _, err := me.nt.Publish(dir, n.ID, day(10), day(19)); err != nil {
			return fmt.Errorf("publish notice: %w", err)
		}
	}
	b.res.Notices += len(ns)
	return nil
}

// deduct records the inspector's deduction against the hospital of the
// first planted split admission.
func (me *monthEnd) deduct(on civil.Date) error {
	b := me.b
	for _, p := range b.res.Planted {
		if p.Pattern != PatternSplit {
			continue
		}
		for _, in := range b.c.insts {
			if in.Name == p.Institution {
				b.clk.Set(at(on, 0))
				_, err := me.st.AddDeduction(b.as(b.ctx, "inspector"), statement.Deduction{InstitutionID: in.ID,
					Amount: money.Yuan(2000), Reason: "分解住院,扣回统筹基金支付 / split admission: fund share recovered",
					SourceType: "inspection", SourceRef: "demo", FoundOn: on})
				return err
			}
		}
	}
	return nil
}

// statements prepares (finance), checks (finance2) and approves (director)
// the month's statement of every networked institution.
func (me *monthEnd) statements(m time.Month, day func(int) civil.Date) error {
	b := me.b
	p := statement.Period{Year: b.year, Month: m}
	var insts []inst
	for _, in := range b.c.insts {
		if in.Networked && in.Level != institution.Province {
			insts = append(insts, in)
		}
	}
	ids := make([]int64, len(insts))
	b.clk.Set(at(day(5), 0))
	err := parallel(b.ctx, 2, len(insts), func(ctx context.Context, i int) error {
		st, err := me.st.Prepare(b.as(ctx, "finance"), insts[i].ID, p)
		if err != nil {
			return fmt.Errorf("prepare %s: %w", insts[i].Name, err)
		}
		ids[i] = st.ID
		return nil
	})
	if err != nil {
		return err
	}
	b.clk.Set(at(day(6), 0))
	if err := parallel(b.ctx, 2, len(ids), func(ctx context.Context, i int) error {
		_, err := me.st.Check(b.as(ctx, "finance2"), ids[i], "已核对明细 / lines checked")
		return err
	}); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	b.clk.Set(at(day(8), 0))
	if err := parallel(b.ctx, 2, len(ids), func(ctx context.Context, i int) error {
		_, err := me.st.Approve(b.as(ctx, "director"), ids[i], "")
		return err
	}); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	b.res.Statements += len(ids)
	return nil
}

// pay puts everything payable in a bank batch (day 15) and records the
// bank's payment (day 18).
func (me *monthEnd) pay(day func(int) civil.Date) error {
	b := me.b
	fin := b.as(b.ctx, "finance")
	b.clk.Set(at(day(15), 0))
	items, err := me.st.Payable(fin)
	if err != nil || len(items) == 0 {
		return err
	}
	refs := make([]statement.Ref, len(items))
	for i, it := range items {
		refs[i] = statement.Ref{Kind: it.Kind, RefID: it.RefID}
	}
	batch, err := me.st.CreateBatch(fin, refs, fmt.Sprintf("%s 月度支付", day(15).String()[:7]))
	if err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	b.clk.Set(at(day(18), 0))
	_, err = me.st.RecordPayment(fin, batch.ID, statement.Payment{PaidOn: day(18), BankRef: fmt.Sprintf("NX%d", batch.ID)})
	return err
}

// earlier returns the earlier of two days.
func earlier(a, b civil.Date) civil.Date {
	if b.Before(a) {
		return b
	}
	return a
}
