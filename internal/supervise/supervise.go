// Package supervise is supervision, audit and fraud control (SPEC §10):
// screening rules run on every settlement (the settle.Screen hook) and in
// batches over a period, cases with assignee, evidence and outcome (a
// deduction through internal/statement), monthly institution indicators
// against peers and own history, reproducible sampling for spot checks and
// follow-up calls, and the blacklist enforced by settlement and claim
// filing. The rules themselves are pure (internal/supervise/rules); this
// package owns their configuration and the SQL. See docs/supervision.md.
package supervise

import (
	"context"
	"encoding/json"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/supervise/rules"
)

// China is the time zone days are counted in.
var China = time.FixedZone("CST", 8*3600)

// Options are the dependencies of a Service.
type Options struct {
	Now func() time.Time // default time.Now
}

// Service is the supervision service. It is safe for concurrent use.
type Service struct {
	db      *db.DB
	now     func() time.Time
	configs *configCache // shared by the Services over db
}

// New returns a supervision service over d.
func New(d *db.DB, opt Options) *Service {
	s := &Service{db: d, now: opt.Now, configs: cacheFor(d)}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Today is the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

func (s *Service) stamp() string { return db.Timestamp(s.now()) }

// Role sets.
var (
	// Readers see cases, indicators, samples, the blacklist and configuration.
	Readers = []access.Role{access.Inspector, access.Director, access.Admin, access.Auditor}
	// Workers run screenings and sampling, work cases and keep the blacklist.
	Workers = []access.Role{access.Inspector, access.Director}
	// Configurers edit a year's screening configuration.
	Configurers = []access.Role{access.Admin}
)

var errNoActor = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")

// need returns the actor if it has one of roles and a county-wide area
// scope (supervision is county business).
func need(ctx context.Context, roles []access.Role) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	if !a.Can(roles...) || a.Scope.IsInstitution() || a.Scope.AreaPath == "" {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权办理稽核业务", "not allowed to do supervision work")
	}
	return a, nil
}

// actorName is who opens cases from a settlement (the HIS or desk user).
func actorName(ctx context.Context) string {
	if a, ok := access.FromContext(ctx); ok {
		return a.Username
	}
	return "system"
}

// Config returns year's screening configuration: the stored one, else the
// documented defaults (rules.Default).
func (s *Service) Config(ctx context.Context, year int) (rules.Config, error) {
	if _, err := need(ctx, Readers); err != nil {
		return rules.Config{}, err
	}
	return loadConfig(ctx, s.db, year)
}

func loadConfig(ctx context.Context, q db.Querier, year int) (rules.Config, error) {
	var js string
	err := q.QueryRowContext(ctx, `SELECT config_json FROM supervise_config WHERE year = ?`, year).Scan(&js)
	if db.IsNoRows(err) {
		return rules.Default(year), nil
	}
	if err != nil {
		return rules.Config{}, err
	}
	var c rules.Config
	if err := json.Unmarshal([]byte(js), &c); err != nil {
		return rules.Config{}, err
	}
	c.Year = year
	c.Normalize()
	return c, nil
}

// SaveConfig stores year's configuration (administrator). Unknown rule
// codes and impossible parameters are refused naming the field.
func (s *Service) SaveConfig(ctx context.Context, c rules.Config) (rules.Config, error) {
	a, err := need(ctx, Configurers)
	if err != nil {
		return c, err
	}
	var col apperr.Collector
	if c.Year < 2000 || c.Year > 2200 {
		col.AddField("year", "invalid", "年度无效", "invalid year")
	}
	for code, st := range c.Rules {
		info, ok := rules.Lookup(code)
		switch {
		case !ok:
			col.AddField("rules."+code, "unknown", "未知规则 "+code, "unknown rule "+code)
		case st.Block && !info.PerSettlement:
			col.AddField("rules."+code, "no_block", "该规则不在结算时运行,不能设为拦截", "this rule does not run at settlement: it cannot block")
		}
	}
	if c.ReadmitDays < 1 || c.ReadmitDays > 365 {
		col.AddField("readmit_days", "range", "再入院天数应在 1—365 之间", "readmission days must be 1–365")
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"drug_markup", int64(c.DrugMarkup)}, {"herbal_markup", int64(c.HerbalMarkup)}, {"spot_realtime", int64(c.SpotRealtime)},
		{"spot_claims", int64(c.SpotClaims)}, {"follow_up", int64(c.FollowUp)}, {"rx_max_units", c.RxMaxUnits}, {"rx_max_amount", int64(c.RxMaxAmount)}} {
		if f.v < 0 {
			col.AddField(f.name, "negative", "不能为负数", "must not be negative")
		}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"spot_realtime", int64(c.SpotRealtime)}, {"spot_claims", int64(c.SpotClaims)}, {"follow_up", int64(c.FollowUp)}} {
		if f.v > 10000 {
			col.AddField(f.name, "range", "比例不能超过 100%", "a share cannot exceed 100%")
		}
	}
	for i, l := range c.ItemLimits {
		if l.CodePrefix == "" && l.NameHas == "" {
			col.AddField("item_limits", "match", "第 "+itoa(i+1)+" 条限制缺少编码前缀或名称关键字", "limit "+itoa(i+1)+" needs a code prefix or a name keyword")
		}
		if l.Sex != "" && l.Sex != "1" && l.Sex != "2" {
			col.AddField("item_limits", "sex", "性别应为 1(男)或 2(女)", "sex must be 1 (male) or 2 (female)")
		}
	}
	if err := col.Err(); err != nil {
		return c, err
	}
	c.Normalize()
	js, err := json.Marshal(c)
	if err != nil {
		return c, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		before, err := loadConfig(ctx, tx, c.Year)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO supervise_config (year, config_json, updated_at, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (year) DO UPDATE SET config_json = excluded.config_json, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by`, c.Year, string(js), s.stamp(), a.Username); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "supervise.config", "supervise_config", c.Year, before, c)
	})
	// Also after a failure: the commit may have happened.
	s.configs.clear()
	return c, err
}

func itoa(n int) string { return itoa64(int64(n)) }

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
