package supervise

import (
	"context"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/supervise/rules"
)

// Run is one batch run.
type Run struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"` // screen, indicators
	From        civil.Date `json:"from"`
	To          civil.Date `json:"to"`
	Settlements int        `json:"settlements"`
	Hits        int        `json:"hits"`
	Opened      int        `json:"opened"` // new cases; hits already cased are counted in Hits only
	At          time.Time  `json:"at"`
	Username    string     `json:"username"`
}

// maxRunDays bounds a batch run (a year).
const maxRunDays = 366

// RunScreen runs every enabled rule over the live settlements dated from
// from to to (inclusive) and opens a case for each new finding, in one
// transaction with the run's record. A finding already cased (by the
// settlement hook or an earlier run) is not opened again. Duplicates are
// looked for among the period's settlements (the settlement hook looks
// further back).
func (s *Service) RunScreen(ctx context.Context, from, to civil.Date) (Run, error) {
	a, err := need(ctx, Workers)
	if err != nil {
		return Run{}, err
	}
	if err := checkPeriod(from, to); err != nil {
		return Run{}, err
	}
	run := Run{Kind: "screen", From: from, To: to, Username: a.Username, At: s.now().UTC()}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		run.Settlements, run.Hits, run.Opened = 0, 0, 0
		period := `s.setl_date BETWEEN ? AND ? AND ` + live
		bills, err := loadBills(ctx, tx, period, from, to)
		if err != nil {
			return err
		}
		lines, err := settlementLines(ctx, tx, period, from, to)
		if err != nil {
			return err
		}
		stays, err := liveStays(ctx, tx, `v.person_id IN (SELECT s2.person_id FROM settlements s2 WHERE s2.setl_date BETWEEN ? AND ?)`, from, to)
		if err != nil {
			return err
		}
		byPerson := map[int64][]rules.Stay{}
		for _, st := range stays {
			byPerson[st.PersonID] = append(byPerson[st.PersonID], st)
		}
		type dupKey struct {
			person, inst int64
			day          civil.Date
		}
		type invKey struct {
			inst int64
			inv  string
		}
		sameDay, sameInv := map[dupKey][]int{}, map[invKey][]int{}
		for i := range bills {
			b := &bills[i]
			b.Lines = lines[b.SettlementID]
			sameDay[dupKey{b.PersonID, b.InstitutionID, b.Begin}] = append(sameDay[dupKey{b.PersonID, b.InstitutionID, b.Begin}], i)
			if b.Invoice != "" {
				sameInv[invKey{b.InstitutionID, b.Invoice}] = append(sameInv[invKey{b.InstitutionID, b.Invoice}], i)
			}
		}
		res, err := tx.InsertID(ctx, `INSERT INTO supervise_runs (kind, date_from, date_to, at, username) VALUES ('screen', ?, ?, ?, ?)`,
			from, to, s.stamp(), a.Username)
		if err != nil {
			return err
		}
		run.ID = res
		cfgs := map[int]rules.Config{}
		for _, b := range bills {
			cfg, ok := cfgs[b.Begin.Year]
			if !ok {
				if cfg, err = loadConfig(ctx, tx, b.Begin.Year); err != nil {
					return err
				}
				cfgs[b.Begin.Year] = cfg
			}
			var x rules.Context
			if b.ClrType == "21" {
				x.Stays = byPerson[b.PersonID]
			}
			seen := map[int]bool{}
			for _, i := range append(sameDay[dupKey{b.PersonID, b.InstitutionID, b.Begin}], sameInv[invKey{b.InstitutionID, b.Invoice}]...) {
				if !seen[i] && bills[i].SettlementID != b.SettlementID {
					seen[i] = true
					x.Candidates = append(x.Candidates, bills[i])
				}
			}
			run.Settlements++
			for _, h := range rules.Screen(cfg, b, x) {
				run.Hits++
				_, opened, err := s.openCase(ctx, tx, h, "batch", "", run.ID, a.Username)
				if err != nil {
					return err
				}
				if opened {
					run.Opened++
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_runs SET settlements = ?, hits = ?, opened = ? WHERE id = ?`,
			run.Settlements, run.Hits, run.Opened, run.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "supervise.run", "supervise_run", run.ID, nil, run)
	})
	return run, err
}

func checkPeriod(from, to civil.Date) error {
	var c apperr.Collector
	if from.IsZero() {
		c.AddField("from", "required", "请填写起始日期", "the start date is required")
	}
	if to.IsZero() {
		c.AddField("to", "required", "请填写截止日期", "the end date is required")
	}
	if !from.IsZero() && !to.IsZero() && (to.Before(from) || to.DaysSince(from) >= maxRunDays) {
		c.AddField("to", "range", "期间应不超过一年且截止日期不早于起始日期", "the period must run forward and not exceed a year")
	}
	return c.Err()
}

// Runs lists the latest batch runs.
func (s *Service) Runs(ctx context.Context) ([]Run, error) {
	if _, err := need(ctx, Readers); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, date_from, date_to, settlements, hits, opened, at, username
		FROM supervise_runs ORDER BY id DESC LIMIT 50`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var at string
		if err := rows.Scan(&r.ID, &r.Kind, &r.From, &r.To, &r.Settlements, &r.Hits, &r.Opened, &at, &r.Username); err != nil {
			return nil, err
		}
		r.At, _ = db.ParseTimestamp(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
