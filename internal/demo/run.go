package demo

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/schemestore"
	"ncms/internal/settle"
	"ncms/internal/supervise"
)

func itoa(n int) string { return strconv.Itoa(n) }

// parallel runs fn(ctx, i) for i in [0, n) on workers goroutines and
// returns the first error (the others stop taking work).
func parallel(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(1, min(workers, n)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// worker settles the visits of the households given to it, in order, with
// its own clock: the settlement service stamps each settlement with the
// worker's simulated time (the visit's day), so statements and the fund
// report see a year of activity.
type worker struct {
	clk *clock
	svc *settle.Service
}

// settleMonth settles every planned visit whose settlement day falls in
// month m, on the builder's workers. A household's visits always go to the
// same worker, in plan order, so year-to-date caps are reached in the same
// order on every run (determinism).
func (b *builder) settleMonth(ctx context.Context, ws []*worker, visits []visit, ids [][]int64) error {
	queues := make([][]int, len(ws))
	for i := range visits {
		hh := b.c.persons[visits[i].person].Household
		w := int(hh % int64(len(ws)))
		queues[w] = append(queues[w], i)
	}
	var refused atomic.Int64
	var settled atomic.Int64
	var mu sync.Mutex
	err := parallel(ctx, len(ws), len(ws), func(ctx context.Context, w int) error {
		for _, i := range queues[w] {
			id, err := b.settleOne(ctx, ws[w], &visits[i])
			if err != nil {
				if _, ok := apperr.As(err); ok {
					refused.Add(1) // a refusal a real desk would see (e.g. coverage): counted
					continue
				}
				return err
			}
			settled.Add(1)
			if p := visits[i].planted; p > 0 {
				mu.Lock()
				ids[p-1] = append(ids[p-1], id)
				mu.Unlock()
			}
		}
		return nil
	})
	b.res.Visits += int(settled.Load())
	b.res.Refused += int(refused.Load())
	return err
}

// settleOne registers (or admits), uploads the lines, discharges and
// settles one visit through the service, as the institution's HIS would.
func (b *builder) settleOne(ctx context.Context, w *worker, v *visit) (int64, error) {
	in := b.c.insts[v.inst]
	ctx = settle.WithInstitution(access.WithActor(ctx, access.Actor{Username: "his:" + in.Code, Role: access.Institution,
		Scope: access.Scope{InstitutionID: in.ID}, RemoteAddr: "demo"}), in.Institution)
	p := b.c.persons[v.person]
	w.clk.Set(at(v.begin, v.seq%480))
	req := settle.VisitRequest{PersonID: p.ID, MedType: v.medType, Begin: v.begin, Diagnoses: v.diag, Referral: v.referal,
		IptOtpNo: fmt.Sprintf("D%07d", v.seq)}
	if v.planted > 0 {
		req.IptOtpNo = fmt.Sprintf("P%07d", v.seq) // planted: the tests leave them out of the averages
	}
	var vis settle.Visit
	var err error
	if v.end.IsZero() {
		vis, err = w.svc.Register(ctx, req)
	} else {
		vis, err = w.svc.Admit(ctx, req)
	}
	if err != nil {
		return 0, err
	}
	if _, err := w.svc.UploadLines(ctx, settle.UploadRequest{VisitID: vis.ID, Lines: v.lines}); err != nil {
		return vis.ID, err
	}
	if !v.end.IsZero() {
		w.clk.Set(at(v.end, v.seq%300))
		if _, err := w.svc.Discharge(ctx, settle.DischargeRequest{VisitID: vis.ID, End: v.end}); err != nil {
			return vis.ID, err
		}
	}
	w.clk.Set(at(v.setl, 60+v.seq%300))
	// No invoice number (invono is optional in 2207): supervision's
	// duplicate check by invoice reads every settlement of the institution
	// (no index on invono yet), which a year settled in a minute cannot pay.
	_, err = w.svc.Settle(ctx, settle.SettleRequest{VisitID: vis.ID})
	return vis.ID, err
}

// year_ plans the visits, then month by month settles them and runs the
// month-end of every finished month.
func (b *builder) year_() error {
	visits, claims := b.plan()
	b.claimsPlan = claims
	schemes := schemestore.New(b.d)
	ws := make([]*worker, b.opt.Workers)
	for i := range ws {
		c := &clock{t: b.opt.Now()}
		// the settlement hook of supervision, as `ncms serve` wires it
		ws[i] = &worker{clk: c, svc: settle.New(b.d, settle.Options{Schemes: schemes, Now: c.Now,
			Screen: supervise.New(b.d, supervise.Options{Now: c.Now})})}
	}
	me := b.newMonthEnd(schemes)
	ids := make([][]int64, len(b.res.Planted))
	var settling, closing time.Duration
	var pending chan error // the previous month's close, running beside this month's settling
	wait := func() error {
		if pending == nil {
			return nil
		}
		err := <-pending
		pending = nil
		return err
	}
	start := 0
	for m := time.January; m <= b.today.Month; m++ {
		end := start
		last := civil.New(b.year, m+1, 1).AddDays(-1)
		for end < len(visits) && !visits[end].setl.After(last) {
			end++
		}
		t := time.Now()
		err := b.settleMonth(b.ctx, ws, visits[start:end], ids)
		settling += time.Since(t)
		if werr := wait(); err == nil {
			err = werr
		}
		if err != nil {
			return fmt.Errorf("settling %s: %w", last.String()[:7], err)
		}
		start = end
		if b.opt.Settled != nil {
			b.opt.Settled(m)
		}
		t = time.Now()
		later, err := me.run(m)
		closing += time.Since(t)
		if err != nil {
			return fmt.Errorf("month-end %s: %w", last.String()[:7], err)
		}
		if later != nil {
			pending = make(chan error, 1)
			go func() {
				t := time.Now()
				err := later()
				b.closeTime += time.Since(t) // read only after wait()
				pending <- err
			}()
		}
	}
	if err := wait(); err != nil {
		return fmt.Errorf("month-end: %w", err)
	}
	for i := range b.res.Planted {
		b.res.Planted[i].VisitIDs = ids[i]
	}
	b.step(fmt.Sprintf("  settling %d visits", b.res.Visits), settling)
	b.step("  month-ends: arrivals, allocation, claims", closing)
	b.step("  month-ends: screening, statements, notices, payments (beside the settling)", b.closeTime)
	return nil
}
