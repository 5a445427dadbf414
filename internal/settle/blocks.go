package settle

import (
	"context"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// Block refuses the person real-time settlement until Unblock (table
// settle_person_blocks; to be superseded by the blacklist of supervision).
// County staff only.
func (s *Service) Block(ctx context.Context, personID int64, reason string) (int64, error) {
	a, err := county(ctx)
	if err != nil {
		return 0, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return 0, apperr.Field("reason", "required", "请填写原因", "a reason is required")
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := loadPerson(ctx, tx, personID); err != nil {
			return err
		}
		id, err = tx.InsertID(ctx, `INSERT INTO settle_person_blocks (person_id, reason, created_at, created_by)
			VALUES (?, ?, ?, ?)`, personID, reason, s.stamp(), a.Username)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, "settle.block", "person", personID, nil, map[string]any{"block_id": id, "reason": reason})
	})
	return id, err
}

// Unblock lifts every block of the person.
func (s *Service) Unblock(ctx context.Context, personID int64) error {
	a, err := county(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE settle_person_blocks SET lifted_at = ?, lifted_by = ?
			WHERE person_id = ? AND lifted_at IS NULL`, s.stamp(), a.Username, personID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "settle.unblock", "person", personID, nil, nil)
	})
}

// blocked reports whether the person has a block not lifted, and its reason.
func (s *Service) blocked(ctx context.Context, q db.Querier, personID int64) (string, bool, error) {
	var reason string
	err := q.QueryRowContext(ctx, `SELECT reason FROM settle_person_blocks WHERE person_id = ? AND lifted_at IS NULL
		ORDER BY id LIMIT 1`, personID).Scan(&reason)
	if db.IsNoRows(err) {
		return "", false, nil
	}
	return reason, err == nil, err
}

func actorFrom(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	return a, nil
}

// county returns a county-level actor (admin or finance), else Forbidden.
func county(ctx context.Context) (access.Actor, error) {
	a, err := actorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.Can(access.Admin, access.Finance, access.Inspector) || a.Scope.IsInstitution() {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权限", "not allowed")
	}
	return a, nil
}
