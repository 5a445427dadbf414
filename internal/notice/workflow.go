package notice

import (
	"context"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/outbox"
)

// lockNotice loads a notice in tx for a change, checking scope.
func (s *Service) lockNotice(ctx context.Context, tx *db.Tx, id int64, scopePath string) (Notice, error) {
	n, err := loadNotice(ctx, tx, id, tx.DB().ForUpdate())
	if err != nil {
		return n, err
	}
	if !strings.HasPrefix(n.AreaPath, scopePath) {
		return n, ErrNotFound
	}
	return n, nil
}

// Review marks a draft notice as checked. The reviewer must not be the
// person who generated it.
func (s *Service) Review(ctx context.Context, id int64) (Notice, error) {
	a, err := need(ctx, "审核公示 / review notices", Checkers...)
	if err != nil {
		return Notice{}, err
	}
	var out Notice
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.lockNotice(ctx, tx, id, a.Scope.AreaPath)
		if err != nil {
			return err
		}
		if n.Status != Draft {
			return wrongStatus(n, "审核", "reviewed")
		}
		if n.CreatedBy == a.Username {
			return apperr.New(apperr.Conflict, "same_person", "生成公示的人不能审核同一公示", "the person who generated a notice cannot review it")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = ?, reviewed_at = ?, reviewed_by = ? WHERE id = ?`,
			Reviewed, s.stamp(), a.Username, id); err != nil {
			return err
		}
		out = n
		out.Status, out.ReviewedBy = Reviewed, a.Username
		return audit.Record(ctx, tx, "notice.review", "notice", id, map[string]string{"status": n.Status}, map[string]string{"status": Reviewed})
	})
	return out, err
}

// Publish puts a reviewed notice on the public board from the first to
// the last day (inclusive, at least MinDays; the first not before today),
// and for compensation notices writes a "notice published" message to
// each listed person with a phone number (once per person and month,
// whatever the level).
func (s *Service) Publish(ctx context.Context, id int64, from, to civil.Date) (Notice, error) {
	a, err := need(ctx, "发布公示 / publish notices", Publishers...)
	if err != nil {
		return Notice{}, err
	}
	var c apperr.Collector
	if from.IsZero() {
		c.AddField("publish_from", "required", "请填写公示开始日期", "the first day is required")
	} else if from.Before(s.Today()) {
		c.AddField("publish_from", "past", "公示开始日期不能早于今天", "the first day cannot be in the past")
	}
	if to.IsZero() {
		c.AddField("publish_to", "required", "请填写公示结束日期", "the last day is required")
	} else if !from.IsZero() && to.DaysSince(from)+1 < MinDays {
		c.AddField("publish_to", "too_short", "公示期不得少于 7 天", "a notice must be shown for at least 7 days")
	}
	if err := c.Err(); err != nil {
		return Notice{}, err
	}
	var out Notice
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.lockNotice(ctx, tx, id, a.Scope.AreaPath)
		if err != nil {
			return err
		}
		if n.Status != Reviewed {
			return wrongStatus(n, "发布(须先审核)", "published (review it first)")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = ?, publish_from = ?, publish_to = ?, published_at = ?,
			published_by = ? WHERE id = ?`, Published, from, to, s.stamp(), a.Username, id); err != nil {
			return err
		}
		out = n
		out.Status, out.PublishFrom, out.PublishTo, out.PublishedBy = Published, from, to, a.Username
		if n.Kind == Compensation {
			if err := s.enqueuePublished(ctx, tx, out); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, "notice.publish", "notice", id, map[string]string{"status": n.Status},
			map[string]any{"status": Published, "from": from, "to": to})
	})
	return out, err
}

// enqueuePublished writes the "notice published" messages of n.
func (s *Service) enqueuePublished(ctx context.Context, tx *db.Tx, n Notice) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT r.person_id, p.name, COALESCE(NULLIF(p.phone, ''), h.phone, '')
		FROM notice_rows r JOIN persons p ON p.id = r.person_id JOIN households h ON h.id = p.household_id
		WHERE r.notice_id = ? ORDER BY r.person_id`, n.ID)
	if err != nil {
		return err
	}
	type who struct {
		id          int64
		name, phone string
	}
	var list []who
	for rows.Next() {
		var w who
		if err := rows.Scan(&w.id, &w.name, &w.phone); err != nil {
			rows.Close()
			return err
		}
		list = append(list, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, w := range list {
		body := "【新农合】" + MaskName(w.name) + ":您" + n.Period + "的补偿已在" + n.AreaName + "公示(" +
			n.PublishFrom.String() + "至" + n.PublishTo.String() + "),如有疑问请联系乡镇合管办。"
		if _, err := outbox.Enqueue(ctx, tx, outbox.Message{Kind: outbox.NoticePublished, Recipient: w.phone, PersonID: w.id,
			DedupeKey: "notice_published:" + n.Period + ":" + itoa(w.id), Body: body}, s.now()); err != nil {
			return err
		}
	}
	return nil
}

// Withdraw takes a notice off the board (or discards a draft), with a
// reason. A withdrawn notice of a month can then be generated again.
func (s *Service) Withdraw(ctx context.Context, id int64, reason string) (Notice, error) {
	a, err := need(ctx, "撤回公示 / withdraw notices", Publishers...)
	if err != nil {
		return Notice{}, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return Notice{}, apperr.Field("reason", "required", "请填写撤回原因", "a reason is required")
	}
	var out Notice
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		n, err := s.lockNotice(ctx, tx, id, a.Scope.AreaPath)
		if err != nil {
			return err
		}
		if n.Status == Withdrawn {
			return wrongStatus(n, "撤回", "withdrawn")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET status = ?, withdrawn_at = ?, withdrawn_by = ?, withdraw_reason = ?
			WHERE id = ?`, Withdrawn, s.stamp(), a.Username, reason, id); err != nil {
			return err
		}
		out = n
		out.Status, out.WithdrawnBy, out.WithdrawReason = Withdrawn, a.Username, reason
		return audit.Record(ctx, tx, "notice.withdraw", "notice", id, map[string]string{"status": n.Status},
			map[string]string{"status": Withdrawn, "reason": reason})
	})
	return out, err
}

func wrongStatus(n Notice, zhStep, enStep string) error {
	zh, en := StatusLabel(n.Status)
	return apperr.New(apperr.Conflict, "notice_status", "该公示"+zh+",不能"+zhStep, "the notice is "+en+" and cannot be "+enStep)
}
