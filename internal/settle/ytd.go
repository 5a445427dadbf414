package settle

import (
	"context"
	"encoding/json"

	"ncms/internal/db"
	"ncms/internal/engine"
)

// lockPersonYTD creates the person's YTD row on first use and returns it
// locked: the upsert takes the row lock on PostgreSQL (a concurrent
// settlement of the same person waits here until this one commits, then
// reads the committed totals); on SQLite the write transaction is already
// exclusive. Lock order: household before person, always.
func lockPersonYTD(ctx context.Context, tx *db.Tx, personID int64, year int, now string) (engine.YTD, error) {
	return scanYTD(tx.QueryRowContext(ctx, `INSERT INTO ytd_persons (person_id, ytd_year, ytd_json, updated_at)
		VALUES (?, ?, '{}', ?) ON CONFLICT (person_id, ytd_year) DO UPDATE SET updated_at = excluded.updated_at
		RETURNING ytd_json`, personID, year, now))
}

// lockHouseholdYTD is lockPersonYTD for the household.
func lockHouseholdYTD(ctx context.Context, tx *db.Tx, householdID int64, year int, now string) (engine.YTD, error) {
	return scanYTD(tx.QueryRowContext(ctx, `INSERT INTO ytd_households (household_id, ytd_year, ytd_json, updated_at)
		VALUES (?, ?, '{}', ?) ON CONFLICT (household_id, ytd_year) DO UPDATE SET updated_at = excluded.updated_at
		RETURNING ytd_json`, householdID, year, now))
}

// readYTD reads totals without locking (pre-settlement); missing is zero.
func readYTD(ctx context.Context, q db.Querier, table, col string, id int64, year int) (engine.YTD, error) {
	y, err := scanYTD(q.QueryRowContext(ctx, `SELECT ytd_json FROM `+table+` WHERE `+col+` = ? AND ytd_year = ?`, id, year))
	if db.IsNoRows(err) {
		return engine.YTD{}, nil
	}
	return y, err
}

func scanYTD(row interface{ Scan(...any) error }) (engine.YTD, error) {
	var text string
	var y engine.YTD
	if err := row.Scan(&text); err != nil {
		return y, err
	}
	err := json.Unmarshal([]byte(text), &y)
	return y, err
}

// writePersonYTD stores the person's new totals.
func writePersonYTD(ctx context.Context, tx *db.Tx, personID int64, year int, y engine.YTD, now string) error {
	b, err := json.Marshal(y)
	if err != nil {
		return err
	}
	fund := y.Basic + y.Catastrophic + y.Assistance + y.Backstop + y.PublicHealth
	_, err = tx.ExecContext(ctx, `UPDATE ytd_persons SET ytd_json = ?, basic = ?, fund_total = ?, cost = ?, updated_at = ?
		WHERE person_id = ? AND ytd_year = ?`, string(b), int64(y.Basic), int64(fund), int64(y.Cost), now, personID, year)
	return err
}

// writeHouseholdYTD stores the household's new totals.
func writeHouseholdYTD(ctx context.Context, tx *db.Tx, householdID int64, year int, y engine.YTD, now string) error {
	b, err := json.Marshal(y)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE ytd_households SET ytd_json = ?, updated_at = ? WHERE household_id = ? AND ytd_year = ?`,
		string(b), now, householdID, year)
	return err
}

// YTD returns the person's stored totals for the scheme period starting in year.
func (s *Service) YTD(ctx context.Context, personID int64, year int) (engine.YTD, error) {
	if _, err := actorFrom(ctx); err != nil {
		return engine.YTD{}, err
	}
	return readYTD(ctx, s.db, "ytd_persons", "person_id", personID, year)
}
