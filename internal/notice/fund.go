package notice

import (
	"context"
	"encoding/json"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/enroll"
	"ncms/internal/fund"
)

// GenerateFund makes the draft fund income and spending notice of the
// county for the scheme year of the month, from the fund report
// (internal/fund) as it stands at the end of the month's generation: money
// raised and received by source, interest, compensation by layer,
// deductions, spending and the balance. It is reviewed and published like
// a compensation notice.
func (s *Service) GenerateFund(ctx context.Context, period string) (Notice, error) {
	a, err := need(ctx, "生成公示 / generate notices", Makers...)
	if err != nil {
		return Notice{}, err
	}
	first, last, err := ParsePeriod(period)
	if err != nil {
		return Notice{}, err
	}
	if !last.Before(s.Today()) {
		return Notice{}, apperr.Field("period", "not_ended", "该月尚未结束,不能生成公示", "the month has not ended")
	}
	if a.Scope.AreaPath != "/" && len(a.Scope.AreaPath) > 0 && countSlash(a.Scope.AreaPath) > 2 {
		return Notice{}, apperr.New(apperr.Forbidden, "scope", "基金公示由县级生成", "fund notices are made county-wide")
	}
	var out Notice
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var root area
		if err := tx.QueryRowContext(ctx, `SELECT id, level, name, path FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1`).
			Scan(&root.ID, &root.Level, &root.Name, &root.Path); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind = ? AND period = ? AND area_id = ?
			AND status <> ?`, Fund, period, root.ID, Withdrawn).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "notice_exists", period+" 的基金公示已生成;如需重新生成,请先撤回",
				"the fund notice for "+period+" exists; withdraw it to generate it again")
		}
		rep, err := fund.Build(ctx, tx, first.Year)
		if err != nil {
			return err
		}
		out = Notice{Kind: Fund, Period: period, Level: "county", AreaID: root.ID, AreaPath: root.Path, AreaName: root.Name,
			Status: Draft, CreatedBy: a.Username, CreatedAt: s.now(), Lines: fundLines(rep)}
		out.Title = root.Name + " " + strconv.Itoa(first.Year) + "年度新农合基金收支公示(截至" + strconv.Itoa(first.Year) + "年" +
			strconv.Itoa(int(first.Month)) + "月)"
		body, err := json.Marshal(out.Lines)
		if err != nil {
			return err
		}
		out.ID, err = tx.InsertID(ctx, `INSERT INTO notices (kind, period, level, area_id, area_path, area_name, title, status,
			body_json, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, Fund, period, "county", root.ID,
			root.Path, root.Name, out.Title, Draft, string(body), s.stamp(), a.Username)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, "notice.generate", "notice", out.ID, nil, out)
	})
	return out, err
}

func countSlash(s string) int {
	n := 0
	for _, c := range s {
		if c == '/' {
			n++
		}
	}
	return n
}

// fundLines turns a fund report into the lines of a notice.
func fundLines(r fund.Report) []Line {
	var out []Line
	for _, l := range r.Income {
		zh, en := enroll.Source(l.Source).Label()
		out = append(out, Line{Group: "income", Zh: zh + "(到账)", En: en + " (received)", Amount: l.Received})
	}
	out = append(out,
		Line{Group: "income", Zh: "应筹资金合计", En: "Contributions due", Amount: r.IncomeSum.Due},
		Line{Group: "income", Zh: "实际到账合计", En: "Contributions received", Amount: r.IncomeSum.Received},
		Line{Group: "income", Zh: "利息收入", En: "Interest", Amount: r.Interest})
	for _, l := range r.ByLayer {
		if l.Amount == 0 {
			continue
		}
		out = append(out, Line{Group: "spending", Zh: l.Zh + "补偿", En: "Compensation: " + l.Key, Amount: l.Amount})
	}
	out = append(out,
		Line{Group: "spending", Zh: "违规扣款(冲减支出)", En: "Deductions (reduce spending)", Amount: r.Deductions},
		Line{Group: "spending", Zh: "基金支出合计", En: "Total spending", Amount: r.Spent},
		Line{Group: "balance", Zh: "当年结余", En: "Surplus of the year", Amount: r.YearSurplus},
		Line{Group: "balance", Zh: "累计结余", En: "Cumulative balance", Amount: r.Balance})
	return out
}
