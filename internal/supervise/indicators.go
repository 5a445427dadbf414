package supervise

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/statement"
	"ncms/internal/supervise/rules"
)

// IndicatorRow is one institution's indicators for one month.
type IndicatorRow struct {
	InstitutionID int64            `json:"institution_id"`
	Institution   string           `json:"institution_name"`
	Level         string           `json:"level"`
	Period        string           `json:"period"`
	Month         rules.Month      `json:"sums"`
	Values        map[string]int64 `json:"values"`
	Flags         []rules.Flag     `json:"flags"`
}

// Flagged reports whether indicator code is flagged.
func (r IndicatorRow) Flagged(code string) bool {
	for _, f := range r.Flags {
		if f.Code == code {
			return true
		}
	}
	return false
}

func prevPeriod(p statement.Period) statement.Period {
	return statement.PeriodOf(p.First().AddDays(-1))
}

// monthSums adds up one month's live settlements per institution.
func monthSums(ctx context.Context, q db.Querier, p statement.Period) (map[int64]*rules.Month, error) {
	out := map[int64]*rules.Month{}
	rows, err := q.QueryContext(ctx, `SELECT s.institution_id, i.level, v.clr_type, v.referral, v.begin_date, v.end_date,
		s.medfee_sumamt, s.fulamt_ownpay_amt + s.overlmt_selfpay, s.inscp_scp_amt, s.fund_pay_sumamt
		FROM settlements s JOIN visits v ON v.id = s.visit_id JOIN institutions i ON i.id = s.institution_id
		WHERE s.setl_date BETWEEN ? AND ? AND `+live, p.First(), p.Last())
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var inst int64
		var level, clr string
		var referral bool
		var r struct{ begin, end civil.Date }
		var fee, self, inscp, fund int64
		if err := rows.Scan(&inst, &level, &clr, &referral, &r.begin, &r.end, &fee, &self, &inscp, &fund); err != nil {
			rows.Close()
			return nil, err
		}
		m := out[inst]
		if m == nil {
			m = &rules.Month{InstitutionID: inst, Level: level, Period: p.String()}
			out[inst] = m
		}
		m.Settlements++
		m.Cost += moneyFen(fee)
		m.SelfPaid += moneyFen(self)
		m.InScope += moneyFen(inscp)
		m.Fund += moneyFen(fund)
		if clr == "21" {
			m.Inpatient++
			m.InpCost += moneyFen(fee)
			if referral {
				m.Referrals++
			}
			days := 1
			if !r.end.IsZero() && r.end.DaysSince(r.begin) > 1 {
				days = r.end.DaysSince(r.begin)
			}
			m.BedDays += days
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT s.institution_id, SUM(f.total), SUM(CASE WHEN f.essential THEN f.total ELSE 0 END)
		FROM fee_lines f JOIN settlements s ON s.id = f.settlement_id JOIN catalog_entries c ON c.id = f.catalog_id
		WHERE c.kind = 'drug' AND s.setl_date BETWEEN ? AND ? AND `+live+` GROUP BY s.institution_id`, p.First(), p.Last())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var inst, drug, ess int64
		if err := rows.Scan(&inst, &drug, &ess); err != nil {
			return nil, err
		}
		if m := out[inst]; m != nil {
			m.Drug, m.Essential = moneyFen(drug), moneyFen(ess)
		}
	}
	return out, rows.Err()
}

// ComputeIndicators computes the month's indicators of every institution
// with settlements, judges them against the institution's peers (same
// level, same month), its own previous months and the limits of the year's
// configuration, stores them and opens one case per institution with
// flags (a later run for the same month does not open it again).
func (s *Service) ComputeIndicators(ctx context.Context, p statement.Period) ([]IndicatorRow, Run, error) {
	a, err := need(ctx, Workers)
	if err != nil {
		return nil, Run{}, err
	}
	var out []IndicatorRow
	run := Run{Kind: "indicators", From: p.First(), To: p.Last(), Username: a.Username, At: s.now().UTC()}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		out, run.Hits, run.Opened = nil, 0, 0
		cfg, err := loadConfig(ctx, tx, p.Year)
		if err != nil {
			return err
		}
		ic := cfg.Indicators
		cur, err := monthSums(ctx, tx, p)
		if err != nil {
			return err
		}
		var history []map[int64]*rules.Month
		q := p
		for k := 0; k < ic.HistoryMonths; k++ {
			q = prevPeriod(q)
			h, err := monthSums(ctx, tx, q)
			if err != nil {
				return err
			}
			history = append(history, h)
		}
		lastYear, err := monthSums(ctx, tx, statement.Period{Year: p.Year - 1, Month: p.Month})
		if err != nil {
			return err
		}
		values := map[int64]map[string]int64{}
		for id, m := range cur {
			values[id] = m.Values(lastYear[id])
		}
		if run.ID, err = tx.InsertID(ctx, `INSERT INTO supervise_runs (kind, date_from, date_to, at, username) VALUES ('indicators', ?, ?, ?, ?)`,
			p.First(), p.Last(), s.stamp(), a.Username); err != nil {
			return err
		}
		ids := make([]int64, 0, len(cur))
		for id := range cur {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			m := cur[id]
			var peers, own []map[string]int64
			for pid, pm := range cur {
				if pid != id && pm.Level == m.Level && pm.Settlements >= ic.MinSettlements {
					peers = append(peers, values[pid])
				}
			}
			for _, h := range history {
				if hm := h[id]; hm != nil && hm.Settlements >= ic.MinSettlements {
					own = append(own, hm.Values(nil))
				}
			}
			row := IndicatorRow{InstitutionID: id, Level: m.Level, Period: p.String(), Month: *m, Values: values[id]}
			row.Flags = rules.Judge(ic, *m, values[id], peers, own)
			if err := storeIndicators(ctx, tx, row, s.stamp()); err != nil {
				return err
			}
			run.Settlements += m.Settlements
			if len(row.Flags) > 0 {
				run.Hits++
				var zh, en []string
				for _, f := range row.Flags {
					zh, en = append(zh, f.Zh), append(en, f.En)
				}
				h := rules.Hit{Rule: rules.IndicatorOut, Key: "indicator:" + itoa64(id) + ":" + p.String(), InstitutionID: id,
					Zh: p.String() + " 指标异常: " + strings.Join(zh, ";"), En: p.String() + " indicators: " + strings.Join(en, "; ")}
				if _, opened, err := s.openCase(ctx, tx, h, "indicator", p.String(), run.ID, a.Username); err != nil {
					return err
				} else if opened {
					run.Opened++
				}
			}
			out = append(out, row)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE supervise_runs SET settlements = ?, hits = ?, opened = ? WHERE id = ?`,
			run.Settlements, run.Hits, run.Opened, run.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "supervise.indicators", "supervise_run", run.ID, nil, run)
	})
	if err != nil {
		return nil, Run{}, err
	}
	return out, run, nil
}

// storedMonth is month_json: the sums and the values computed from them
// (cost growth needs last year's month, so values are stored too).
type storedMonth struct {
	Month  rules.Month      `json:"month"`
	Values map[string]int64 `json:"values"`
}

func storeIndicators(ctx context.Context, tx *db.Tx, r IndicatorRow, now string) error {
	mj, err := json.Marshal(storedMonth{r.Month, r.Values})
	if err != nil {
		return err
	}
	flags := r.Flags
	if flags == nil {
		flags = []rules.Flag{}
	}
	fj, err := json.Marshal(flags)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO supervise_indicators (institution_id, period, level, month_json, flags_json, computed_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (institution_id, period) DO UPDATE SET level = excluded.level,
		month_json = excluded.month_json, flags_json = excluded.flags_json, computed_at = excluded.computed_at`,
		r.InstitutionID, r.Period, r.Level, string(mj), string(fj), now)
	return err
}

// Indicators returns the stored indicators of a month (ComputeIndicators
// writes them), by level then institution.
func (s *Service) Indicators(ctx context.Context, p statement.Period) ([]IndicatorRow, error) {
	if _, err := need(ctx, Readers); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT x.institution_id, i.name, x.level, x.month_json, x.flags_json
		FROM supervise_indicators x JOIN institutions i ON i.id = x.institution_id WHERE x.period = ? ORDER BY x.level, i.code`, p.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []IndicatorRow
	for rows.Next() {
		var r IndicatorRow
		var mj, fj string
		if err := rows.Scan(&r.InstitutionID, &r.Institution, &r.Level, &mj, &fj); err != nil {
			return nil, err
		}
		var sm storedMonth
		if err := json.Unmarshal([]byte(mj), &sm); err != nil {
			return nil, err
		}
		r.Month, r.Values = sm.Month, sm.Values
		if err := json.Unmarshal([]byte(fj), &r.Flags); err != nil {
			return nil, err
		}
		r.Period = p.String()
		out = append(out, r)
	}
	return out, rows.Err()
}
