package enroll

import (
	"context"
	"fmt"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// YearInput creates or changes a scheme year. Zero dates take defaults:
// the benefit period 1 Jan – 31 Dec of Year, the window from four months
// before the period to twelve days before it (1 Sep – 20 Dec for a calendar
// year); WaitingDays < 0 means the default 90.
type YearInput struct {
	Year        int        `json:"year"`
	PeriodFrom  civil.Date `json:"period_from"`
	PeriodTo    civil.Date `json:"period_to"`
	WindowFrom  civil.Date `json:"window_from"`
	WindowTo    civil.Date `json:"window_to"`
	WaitingDays int        `json:"waiting_days"`
	Note        string     `json:"note"`
}

// DefaultWaitingDays is the late-enrollment waiting period (Chongqing: 90).
const DefaultWaitingDays = 90

// WithDefaults fills zero fields with the defaults described on YearInput.
func (in YearInput) WithDefaults() YearInput {
	if in.PeriodFrom.IsZero() {
		in.PeriodFrom = civil.New(in.Year, 1, 1)
	}
	if in.PeriodTo.IsZero() {
		in.PeriodTo = civil.New(in.PeriodFrom.Year+1, in.PeriodFrom.Month, in.PeriodFrom.Day).AddDays(-1)
	}
	if in.WindowFrom.IsZero() {
		in.WindowFrom = civil.New(in.PeriodFrom.Year, in.PeriodFrom.Month-4, in.PeriodFrom.Day)
	}
	if in.WindowTo.IsZero() {
		in.WindowTo = in.PeriodFrom.AddDays(-12)
	}
	if in.WaitingDays < 0 {
		in.WaitingDays = DefaultWaitingDays
	}
	in.Note = strings.TrimSpace(in.Note)
	return in
}

// CheckYear validates a year's dates, reporting every problem.
func CheckYear(in YearInput) []apperr.FieldError {
	var c apperr.Collector
	if in.Year < 2000 || in.Year > 2200 {
		c.AddField("year", "bad_year", "年度应为2000至2200之间的年份", "year must be between 2000 and 2200")
	}
	if in.PeriodTo.Before(in.PeriodFrom) {
		c.AddField("period_to", "before_start", "待遇期结束日早于开始日", "the benefit period ends before it starts")
	} else if in.PeriodTo.DaysSince(in.PeriodFrom) > 366 {
		c.AddField("period_to", "too_long", "待遇期不能超过一年", "the benefit period is longer than a year")
	}
	if in.WindowTo.Before(in.WindowFrom) {
		c.AddField("window_to", "before_start", "集中缴费期结束日早于开始日", "the enrollment window ends before it starts")
	}
	if in.WindowTo.After(in.PeriodTo) {
		c.AddField("window_to", "after_period", "集中缴费期应在待遇期结束前截止", "the enrollment window must close before the period ends")
	}
	if in.WaitingDays > 366 {
		c.AddField("waiting_days", "too_long", "等待期不能超过366天", "the waiting period cannot exceed 366 days")
	}
	if len([]rune(in.Note)) > 500 {
		c.AddField("note", "too_long", "备注过长", "note is too long")
	}
	return c.List()
}

// CreateYear adds a scheme year in draft. Its benefit period may not overlap
// another year's.
func (s *Service) CreateYear(ctx context.Context, in YearInput) (Year, error) {
	in = in.WithDefaults()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := actor(ctx, AdminRoles...); err != nil {
			return err
		}
		if fs := CheckYear(in); len(fs) > 0 {
			return apperr.Fields(fs)
		}
		if err := checkOverlap(ctx, tx, in); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO scheme_years (year, period_from, period_to, window_from, window_to,
			waiting_days, status, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?)`,
			in.Year, in.PeriodFrom, in.PeriodTo, in.WindowFrom, in.WindowTo, in.WaitingDays, in.Note, s.stamp(), s.stamp())
		if db.IsUniqueViolation(err) {
			return apperr.Field("year", "duplicate", fmt.Sprintf("%d年度已存在", in.Year), fmt.Sprintf("year %d already exists", in.Year))
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, "enroll.year_create", "scheme_year", in.Year, nil, yearSnapshot(in))
	})
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, in.Year)
}

// UpdateYear changes a year's dates and note. Once people have enrolled,
// only the note, the window's end and the waiting days may change.
func (s *Service) UpdateYear(ctx context.Context, in YearInput) (Year, error) {
	in = in.WithDefaults()
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := actor(ctx, AdminRoles...); err != nil {
			return err
		}
		old, err := loadYear(ctx, tx, in.Year, s.db.ForUpdate())
		if err != nil {
			return err
		}
		if fs := CheckYear(in); len(fs) > 0 {
			return apperr.Fields(fs)
		}
		if err := checkOverlap(ctx, tx, in); err != nil {
			return err
		}
		if old.ReceiptSeq > 0 && (in.PeriodFrom != old.PeriodFrom || in.PeriodTo != old.PeriodTo || in.WindowFrom != old.WindowFrom) {
			return apperr.Field("period_from", "has_enrollments", "本年度已有参合记录，不能修改待遇期和缴费开始日",
				"people have enrolled for this year: the benefit period and window start are fixed")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scheme_years SET period_from = ?, period_to = ?, window_from = ?,
			window_to = ?, waiting_days = ?, note = ?, updated_at = ? WHERE year = ?`,
			in.PeriodFrom, in.PeriodTo, in.WindowFrom, in.WindowTo, in.WaitingDays, in.Note, s.stamp(), in.Year); err != nil {
			return err
		}
		before := YearInput{old.Year, old.PeriodFrom, old.PeriodTo, old.WindowFrom, old.WindowTo, old.WaitingDays, old.Note}
		return audit.Record(ctx, tx, "enroll.year_update", "scheme_year", in.Year, yearSnapshot(before), yearSnapshot(in))
	})
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, in.Year)
}

func yearSnapshot(in YearInput) map[string]any {
	return map[string]any{"period": in.PeriodFrom.String() + ".." + in.PeriodTo.String(),
		"window": in.WindowFrom.String() + ".." + in.WindowTo.String(), "waiting_days": in.WaitingDays, "note": in.Note}
}

// checkOverlap refuses a benefit period overlapping another year's.
func checkOverlap(ctx context.Context, q db.Querier, in YearInput) error {
	var other int
	err := q.QueryRowContext(ctx, `SELECT year FROM scheme_years WHERE year <> ? AND period_from <= ? AND period_to >= ?`,
		in.Year, in.PeriodTo, in.PeriodFrom).Scan(&other)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return apperr.Field("period_from", "overlap", fmt.Sprintf("待遇期与%d年度重叠", other),
		fmt.Sprintf("the benefit period overlaps year %d", other))
}

// SetStatus opens or closes a year. Opening needs a contribution standard.
func (s *Service) SetStatus(ctx context.Context, year int, st Status) (Year, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := actor(ctx, AdminRoles...); err != nil {
			return err
		}
		y, err := loadYear(ctx, tx, year, s.db.ForUpdate())
		if err != nil {
			return err
		}
		switch {
		case !st.Valid():
			return apperr.Field("status", "bad_status", "状态无效", "unknown status")
		case st == Draft && y.ReceiptSeq > 0:
			return apperr.New(apperr.Conflict, "has_enrollments", "已有参合记录的年度不能退回草稿", "a year with enrollments cannot go back to draft")
		case st == Open && len(y.Standards) == 0:
			return apperr.New(apperr.Conflict, "no_standard", "请先设置缴费标准", "set the contribution standard first")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE scheme_years SET status = ?, updated_at = ? WHERE year = ?`, string(st), s.stamp(), year); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "enroll.year_status", "scheme_year", year,
			map[string]string{"status": string(y.Status)}, map[string]string{"status": string(st)})
	})
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, year)
}

// SetStandards replaces a year's contribution standards and civil-affairs
// subsidies. Allowed only before anyone has enrolled for the year: amounts
// due must not change under existing receivables.
func (s *Service) SetStandards(ctx context.Context, year int, std []Standard, subs []Subsidy) (Year, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := actor(ctx, AdminRoles...); err != nil {
			return err
		}
		y, err := loadYear(ctx, tx, year, s.db.ForUpdate())
		if err != nil {
			return err
		}
		if y.ReceiptSeq > 0 {
			return apperr.New(apperr.Conflict, "has_enrollments", "本年度已有参合记录，缴费标准不能再修改",
				"people have enrolled for this year: the standard can no longer change")
		}
		if fs := CheckStandards(std, subs); len(fs) > 0 {
			return apperr.Fields(fs)
		}
		for _, q := range []string{`DELETE FROM contribution_standards WHERE year = ?`, `DELETE FROM civil_subsidies WHERE year = ?`} {
			if _, err := tx.ExecContext(ctx, q, year); err != nil {
				return err
			}
		}
		for _, st := range std {
			if _, err := tx.ExecContext(ctx, `INSERT INTO contribution_standards (year, tier, source, amount, due_date) VALUES (?, ?, ?, ?, ?)`,
				year, st.Tier, string(st.Source), int64(st.Amount), st.DueDate); err != nil {
				return err
			}
		}
		for _, sb := range subs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO civil_subsidies (year, category, rate_bp, amount) VALUES (?, ?, ?, ?)`,
				year, string(sb.Category), int64(sb.Rate), int64(sb.Amount)); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "enroll.standards", "scheme_year", year,
			standardsSnapshot(y.Standards, y.Subsidies), standardsSnapshot(std, subs))
	})
	if err != nil {
		return Year{}, err
	}
	return s.Year(ctx, year)
}

func standardsSnapshot(std []Standard, subs []Subsidy) map[string]any {
	lines := make([]string, 0, len(std))
	for _, s := range std {
		lines = append(lines, fmt.Sprintf("tier %d %s %s due %s", s.Tier, s.Source, s.Amount, s.DueDate))
	}
	ss := make([]string, 0, len(subs))
	for _, s := range subs {
		ss = append(ss, fmt.Sprintf("%s %s", s.Category, s.Describe()))
	}
	return map[string]any{"standards": lines, "subsidies": ss}
}

// CheckStandards validates standards and subsidies: known sources, tiers
// from 1 without gaps, each tier with an individual line, no line twice,
// amounts ≥ 0, subsidies of known categories with a rate or an amount.
func CheckStandards(std []Standard, subs []Subsidy) []apperr.FieldError {
	var c apperr.Collector
	seen := map[[2]string]bool{}
	tiers := map[int]bool{}
	for i, s := range std {
		f := func(n string) string { return fmt.Sprintf("standards[%d].%s", i+1, n) }
		switch {
		case !s.Source.Valid() || s.Source == CivilAffairs:
			c.AddField(f("source"), "bad_source", "资金来源无效", "unknown source")
		case s.Tier < 1:
			c.AddField(f("tier"), "bad_tier", "档次应从1开始", "tiers start at 1")
		case s.Amount < 0:
			c.AddField(f("amount"), "negative", "金额不能为负", "amount cannot be negative")
		case seen[[2]string{fmt.Sprint(s.Tier), string(s.Source)}]:
			c.AddField(f("source"), "duplicate", "同一档次的资金来源重复", "source repeated within the tier")
		}
		seen[[2]string{fmt.Sprint(s.Tier), string(s.Source)}] = true
		tiers[s.Tier] = true
	}
	for t := range tiers {
		if t > 1 && !tiers[t-1] {
			c.AddField("standards", "tier_gap", fmt.Sprintf("缺少第%d档", t-1), fmt.Sprintf("tier %d is missing", t-1))
		}
		if !seen[[2]string{fmt.Sprint(t), string(Individual)}] {
			c.AddField("standards", "no_individual", fmt.Sprintf("第%d档缺少个人缴费标准", t), fmt.Sprintf("tier %d has no individual share", t))
		}
	}
	checkSubsidies(subs, &c)
	return c.List()
}

func checkSubsidies(subs []Subsidy, c *apperr.Collector) {
	seen := map[registry.Category]bool{}
	for i, s := range subs {
		f := func(n string) string { return fmt.Sprintf("subsidies[%d].%s", i+1, n) }
		switch {
		case !s.Category.Valid():
			c.AddField(f("category"), "bad_category", "人员类别无效", "unknown category")
		case seen[s.Category]:
			c.AddField(f("category"), "duplicate", "人员类别重复", "category repeated")
		case (s.Rate > 0) == (s.Amount > 0):
			c.AddField(f("rate"), "rate_or_amount", "请填写代缴比例或代缴金额之一", "give either a rate or an amount")
		case s.Rate < 0 || s.Rate > money.Whole || s.Amount < 0:
			c.AddField(f("rate"), "out_of_range", "代缴比例应在0至100%之间", "rate must be between 0 and 100%")
		}
		seen[s.Category] = true
	}
}
