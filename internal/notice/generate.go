package notice

import (
	"context"
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// area is one row of the area tree.
type area struct {
	ID    int64
	Level string
	Name  string
	Path  string
}

// areaTree reads every area, by id.
func areaTree(ctx context.Context, q db.Querier) (map[int64]area, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, level, name, path FROM areas`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]area{}
	for rows.Next() {
		var a area
		if err := rows.Scan(&a.ID, &a.Level, &a.Name, &a.Path); err != nil {
			return nil, err
		}
		out[a.ID] = a
	}
	return out, rows.Err()
}

// placeOf returns the township and village names on an area path.
func placeOf(tree map[int64]area, path string) (township, village string) {
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		id, _ := strconv.ParseInt(part, 10, 64)
		switch a := tree[id]; a.Level {
		case "township":
			township = a.Name
		case "village":
			village = a.Name
		}
	}
	return
}

// source is one compensated visit before masking.
type source struct {
	row      Row
	kind     string // settlement or claim
	id       int64
	personID int64
	path     string // the person's area path, for the order
}

// compensated reads the visits compensated in [first, last] of people
// living under path: real-time settlements not reversed (by the time of
// generation) and manual claims approved in the month, with a positive
// compensation. (+s.reverses_id: without statistics SQLite would take
// "reverses_id IS NULL" through the unique index on reverses_id and read
// every settlement of the year for each area, instead of the month's by
// date.)
func compensated(ctx context.Context, q db.Querier, tree map[int64]area, path string, first, last civil.Date) ([]source, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT 'settlement', s.id, s.person_id, p.name, p.area_path, s.clr_type, i.name, s.setl_date,
			s.medfee_sumamt, s.fund_pay_sumamt
		FROM settlements s JOIN persons p ON p.id = s.person_id JOIN institutions i ON i.id = s.institution_id
		WHERE +s.reverses_id IS NULL AND s.setl_date >= ? AND s.setl_date <= ? AND p.area_path LIKE ?
			AND s.fund_pay_sumamt > 0 AND NOT EXISTS (SELECT 1 FROM settlements r WHERE r.reverses_id = s.id)
		UNION ALL
		SELECT 'claim', c.id, c.person_id, p.name, p.area_path, c.clr_type, i.name, c.approved_date,
			c.medfee_sumamt, c.fund_pay_sumamt
		FROM claims c JOIN persons p ON p.id = c.person_id JOIN institutions i ON i.id = c.institution_id
		WHERE c.stage IN ('approved', 'paid') AND c.approved_date >= ? AND c.approved_date <= ? AND p.area_path LIKE ?
			AND c.fund_pay_sumamt > 0`, first, last, path+"%", first, last, path+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []source
	for rows.Next() {
		var s source
		var name, apath, clr string
		var cost, comp int64
		if err := rows.Scan(&s.kind, &s.id, &s.personID, &name, &apath, &clr, &s.row.Institution, &s.row.VisitDate,
			&cost, &comp); err != nil {
			return nil, err
		}
		s.row.Name = MaskName(name)
		s.row.Township, s.row.Village = placeOf(tree, apath)
		s.path = apath
		s.row.VisitKind = "outpatient"
		if clr == "21" {
			s.row.VisitKind = "inpatient"
		}
		if s.kind == "claim" {
			s.row.VisitKind = "claim_" + s.row.VisitKind
		}
		s.row.TotalCost, s.row.Compensation = money.Fen(cost), money.Fen(comp)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortSources(out)
	return out, nil
}

// sortSources orders rows by place (area path), day, then source.
func sortSources(s []source) {
	key := func(x source) string {
		return x.path + "\x00" + x.row.VisitDate.String() + "\x00" + x.kind +
			"\x00" + strconv.FormatInt(1e12+x.id, 10)
	}
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && key(s[j]) < key(s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Generate makes the draft compensation notice of one area (county,
// township or village: the level is the area's) for a month that has
// ended. A notice already generated for the area and month (and not
// withdrawn) is refused: withdraw it to generate it again.
func (s *Service) Generate(ctx context.Context, period string, areaID int64) (Notice, error) {
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
	var out Notice
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		tree, err := areaTree(ctx, tx)
		if err != nil {
			return err
		}
		ar, ok := tree[areaID]
		if !ok || !a.Scope.CoversArea(ar.Path) {
			return apperr.Field("area_id", "not_found", "地区不存在或不在您的管辖范围", "no such area in your scope")
		}
		if ar.Level == "group" {
			return apperr.Field("area_id", "level", "公示按县、乡镇、村三级生成", "notices are made for a county, township or village")
		}
		out, err = s.generate(ctx, tx, a.Username, tree, ar, period, first, last)
		return err
	})
	return out, err
}

func (s *Service) generate(ctx context.Context, tx *db.Tx, user string, tree map[int64]area, ar area, period string,
	first, last civil.Date) (Notice, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind = ? AND period = ? AND area_id = ?
		AND status <> ?`, Compensation, period, ar.ID, Withdrawn).Scan(&n); err != nil {
		return Notice{}, err
	}
	if n > 0 {
		return Notice{}, apperr.New(apperr.Conflict, "notice_exists", ar.Name+" "+period+" 的公示已生成;如需重新生成,请先撤回",
			"the notice of "+ar.Name+" for "+period+" exists; withdraw it to generate it again")
	}
	src, err := compensated(ctx, tx, tree, ar.Path, first, last)
	if err != nil {
		return Notice{}, err
	}
	out := Notice{Kind: Compensation, Period: period, Level: ar.Level, AreaID: ar.ID, AreaPath: ar.Path, AreaName: ar.Name,
		Status: Draft, People: len(src), CreatedBy: user, CreatedAt: s.now()}
	out.Title = compensationTitle(ar.Name, first)
	for _, x := range src {
		out.TotalCost += x.row.TotalCost
		out.Compensation += x.row.Compensation
	}
	out.ID, err = tx.InsertID(ctx, `INSERT INTO notices (kind, period, level, area_id, area_path, area_name, title, status,
		people, total_cost, compensation, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		out.Kind, period, out.Level, ar.ID, ar.Path, ar.Name, out.Title, Draft, out.People, int64(out.TotalCost),
		int64(out.Compensation), s.stamp(), user)
	if err != nil {
		return out, err
	}
	for i, x := range src {
		r := x.row
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_rows (notice_id, seq, name_masked, township, village, visit_kind,
			institution, visit_date, total_cost, compensation, source, source_id, person_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, i+1, r.Name, r.Township, r.Village, r.VisitKind,
			r.Institution, r.VisitDate, int64(r.TotalCost), int64(r.Compensation), x.kind, x.id, x.personID); err != nil {
			return out, err
		}
	}
	return out, audit.Record(ctx, tx, "notice.generate", "notice", out.ID, nil, out)
}

func compensationTitle(areaName string, first civil.Date) string {
	return areaName + " " + strconv.Itoa(first.Year) + "年" + strconv.Itoa(int(first.Month)) + "月新农合补偿公示"
}

// GenerateMonth makes the month's three-level notices in one go: the
// county's, each township's and each village's that has a compensated
// visit (areas whose notice exists are skipped). It returns the notices
// made.
func (s *Service) GenerateMonth(ctx context.Context, period string) ([]Notice, error) {
	a, err := need(ctx, "生成公示 / generate notices", Makers...)
	if err != nil {
		return nil, err
	}
	first, last, err := ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	if !last.Before(s.Today()) {
		return nil, apperr.Field("period", "not_ended", "该月尚未结束,不能生成公示", "the month has not ended")
	}
	var out []Notice
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		out = nil
		tree, err := areaTree(ctx, tx)
		if err != nil {
			return err
		}
		var list []area
		for _, ar := range tree {
			if (ar.Level == "county" || ar.Level == "township" || ar.Level == "village") && a.Scope.CoversArea(ar.Path) {
				list = append(list, ar)
			}
		}
		sortAreas(list)
		for _, ar := range list {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE kind = ? AND period = ? AND area_id = ?
				AND status <> ?`, Compensation, period, ar.ID, Withdrawn).Scan(&exists); err != nil {
				return err
			}
			if exists > 0 {
				continue
			}
			if ar.Level != "county" {
				var k int
				if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM settlements s JOIN persons p ON p.id = s.person_id
					WHERE +s.reverses_id IS NULL AND s.setl_date >= ? AND s.setl_date <= ? AND p.area_path LIKE ? AND s.fund_pay_sumamt > 0)
					+ (SELECT COUNT(*) FROM claims c WHERE c.stage IN ('approved', 'paid') AND c.approved_date >= ?
					AND c.approved_date <= ? AND c.area_path LIKE ? AND c.fund_pay_sumamt > 0)`,
					first, last, ar.Path+"%", first, last, ar.Path+"%").Scan(&k); err != nil {
					return err
				}
				if k == 0 {
					continue
				}
			}
			n, err := s.generate(ctx, tx, a.Username, tree, ar, period, first, last)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	return out, err
}

func sortAreas(l []area) {
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Path < l[j-1].Path; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
}
