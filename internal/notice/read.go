package notice

import (
	"context"
	"encoding/json"
	"strconv"

	"ncms/internal/db"
	"ncms/internal/money"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

const noticeCols = `id, kind, period, level, area_id, area_path, area_name, title, status, people, total_cost, compensation,
	body_json, publish_from, publish_to, created_at, created_by, reviewed_by, published_by, withdrawn_by, withdraw_reason`

func scanNotice(row interface{ Scan(...any) error }) (Notice, error) {
	var n Notice
	var cost, comp int64
	var body, created string
	err := row.Scan(&n.ID, &n.Kind, &n.Period, &n.Level, &n.AreaID, &n.AreaPath, &n.AreaName, &n.Title, &n.Status, &n.People,
		&cost, &comp, &body, &n.PublishFrom, &n.PublishTo, &created, &n.CreatedBy, &n.ReviewedBy, &n.PublishedBy,
		&n.WithdrawnBy, &n.WithdrawReason)
	if err != nil {
		return n, err
	}
	n.TotalCost, n.Compensation = money.Fen(cost), money.Fen(comp)
	n.CreatedAt, _ = db.ParseTimestamp(created)
	if body != "" {
		if err := json.Unmarshal([]byte(body), &n.Lines); err != nil {
			return n, err
		}
	}
	return n, nil
}

func loadNotice(ctx context.Context, q db.Querier, id int64, suffix string) (Notice, error) {
	n, err := scanNotice(q.QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE id = ?`+suffix, id))
	if db.IsNoRows(err) {
		return n, ErrNotFound
	}
	return n, err
}

func queryNotices(ctx context.Context, q db.Querier, where string, args ...any) ([]Notice, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Filter selects notices on the console.
type Filter struct {
	Period string
	Status string
	Kind   string
}

// List returns the notices in the caller's scope, newest month first, by
// area path.
func (s *Service) List(ctx context.Context, f Filter) ([]Notice, error) {
	a, err := need(ctx, "查看公示 / see notices", Readers...)
	if err != nil {
		return nil, err
	}
	where, args := "area_path LIKE ?", []any{a.Scope.AreaPath + "%"}
	if f.Period != "" {
		where += " AND period = ?"
		args = append(args, f.Period)
	}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		where += " AND kind = ?"
		args = append(args, f.Kind)
	}
	return queryNotices(ctx, s.db, where+" ORDER BY period DESC, kind, area_path, id DESC LIMIT 500", args...)
}

// Get returns a notice in the caller's scope, with its rows.
func (s *Service) Get(ctx context.Context, id int64) (Notice, []Row, error) {
	a, err := need(ctx, "查看公示 / see notices", Readers...)
	if err != nil {
		return Notice{}, nil, err
	}
	n, err := loadNotice(ctx, s.db, id, "")
	if err != nil {
		return n, nil, err
	}
	if !a.Scope.CoversArea(n.AreaPath) {
		return Notice{}, nil, ErrNotFound
	}
	rows, err := Rows(ctx, s.db, id)
	return n, rows, err
}

// Rows returns the rows of a notice in order.
func Rows(ctx context.Context, q db.Querier, id int64) ([]Row, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, name_masked, township, village, visit_kind, institution, visit_date,
		total_cost, compensation FROM notice_rows WHERE notice_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var cost, comp int64
		if err := rows.Scan(&r.Seq, &r.Name, &r.Township, &r.Village, &r.VisitKind, &r.Institution, &r.VisitDate,
			&cost, &comp); err != nil {
			return nil, err
		}
		r.TotalCost, r.Compensation = money.Fen(cost), money.Fen(comp)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PublicArea is an area a visitor can pick on the public board.
type PublicArea struct {
	ID    int64  `json:"id"`
	Level string `json:"level"`
	Name  string `json:"name"`
	Path  string `json:"-"`
}

// PublicList returns the notices on the board today (no login needed),
// for the area areaID and the areas above and below it (0: all), and the
// areas that have one, for the picker.
func (s *Service) PublicList(ctx context.Context, areaID int64) ([]Notice, []PublicArea, error) {
	today := s.Today()
	all, err := queryNotices(ctx, s.db, `status = ? AND publish_from <= ? AND publish_to >= ?
		ORDER BY period DESC, kind, area_path`, Published, today, today)
	if err != nil {
		return nil, nil, err
	}
	tree, err := areaTree(ctx, s.db)
	if err != nil {
		return nil, nil, err
	}
	var areas []PublicArea
	seen := map[int64]bool{}
	for _, n := range all {
		if !seen[n.AreaID] {
			seen[n.AreaID] = true
			ar := tree[n.AreaID]
			areas = append(areas, PublicArea{ID: ar.ID, Level: ar.Level, Name: ar.Name, Path: ar.Path})
		}
	}
	if areaID == 0 {
		return all, areas, nil
	}
	ar, ok := tree[areaID]
	if !ok {
		return nil, areas, nil
	}
	var out []Notice
	for _, n := range all {
		if hasPrefix(n.AreaPath, ar.Path) || hasPrefix(ar.Path, n.AreaPath) {
			out = append(out, n)
		}
	}
	return out, areas, nil
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// PublicGet returns a notice that is on the board today, with its rows;
// any other notice is not found.
func (s *Service) PublicGet(ctx context.Context, id int64) (Notice, []Row, error) {
	n, err := loadNotice(ctx, s.db, id, "")
	if err != nil {
		return n, nil, err
	}
	if !n.ShownOn(s.Today()) {
		return Notice{}, nil, ErrNotFound
	}
	rows, err := Rows(ctx, s.db, id)
	return n, rows, err
}

// ShownToday reports whether n is on the board today.
func (s *Service) ShownToday(n Notice) bool { return n.ShownOn(s.Today()) }

func isNoRows(err error) bool { return db.IsNoRows(err) }
