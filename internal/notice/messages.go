package notice

import (
	"context"
	"strconv"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
	"ncms/internal/outbox"
)

// sweepCursor is the outbox cursor of SweepCompensation: the last
// settlement id looked at.
const sweepCursor = "compensation_settlement"

// SweepCompensation writes a "compensation paid" message for every
// real-time settlement with a fund share made since the last sweep (the
// outbox worker runs it before each round), and for every manual claim
// paid in the last 30 days that has none yet. Recipients are the person's
// phone, else the household's; people without either get no message.
func (s *Service) SweepCompensation(ctx context.Context) (int, error) {
	var n int
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		n = 0
		var last int64
		err := tx.QueryRowContext(ctx, `SELECT value FROM outbox_cursors WHERE name = ?`+tx.DB().ForUpdate(), sweepCursor).Scan(&last)
		if db.IsNoRows(err) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_cursors (name, value) VALUES (?, 0)`, sweepCursor); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT s.id, s.person_id, p.name, COALESCE(NULLIF(p.phone, ''), h.phone, ''),
			i.name, s.setl_date, s.medfee_sumamt, s.fund_pay_sumamt, s.psn_cash_pay,
			EXISTS (SELECT 1 FROM settlements r WHERE r.reverses_id = s.id)
			FROM settlements s JOIN persons p ON p.id = s.person_id JOIN households h ON h.id = p.household_id
			JOIN institutions i ON i.id = s.institution_id
			WHERE s.id > ? AND s.reverses_id IS NULL ORDER BY s.id LIMIT 500`, last)
		if err != nil {
			return err
		}
		var msgs []outbox.Message
		for rows.Next() {
			var id, pid, cost, fund, cash int64
			var name, phone, inst string
			var day civil.Date
			var reversed bool
			if err := rows.Scan(&id, &pid, &name, &phone, &inst, &day, &cost, &fund, &cash, &reversed); err != nil {
				rows.Close()
				return err
			}
			last = id
			if fund <= 0 || reversed {
				continue
			}
			msgs = append(msgs, outbox.Message{Kind: outbox.CompensationPaid, DedupeKey: "settlement:" + itoa(id),
				Recipient: phone, PersonID: pid, Body: "【新农合】" + MaskName(name) + ":您" + day.String() + "在" + inst +
					"的医疗费用" + money.Fen(cost).String() + "元,新农合补偿" + money.Fen(fund).String() + "元,个人自付" +
					money.Fen(cash).String() + "元,已当场结算。"})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT c.id, c.person_id, p.name, COALESCE(NULLIF(p.phone, ''), h.phone, ''),
			c.fund_pay_sumamt, c.paid_date
			FROM claims c JOIN persons p ON p.id = c.person_id JOIN households h ON h.id = p.household_id
			WHERE c.stage = 'paid' AND c.paid_date >= ? AND c.fund_pay_sumamt > 0
			AND NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.dedupe_key = 'claim:' || CAST(c.id AS TEXT))
			ORDER BY c.id LIMIT 500`, s.Today().AddDays(-30))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, pid, fund int64
			var name, phone string
			var day civil.Date
			if err := rows.Scan(&id, &pid, &name, &phone, &fund, &day); err != nil {
				rows.Close()
				return err
			}
			msgs = append(msgs, outbox.Message{Kind: outbox.CompensationPaid, DedupeKey: "claim:" + itoa(id),
				Recipient: phone, PersonID: pid, Body: "【新农合】" + MaskName(name) + ":您的手工报销补偿" +
					money.Fen(fund).String() + "元已于" + day.String() + "转入您的银行账户。"})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range msgs {
			ok, err := outbox.Enqueue(ctx, tx, m, s.now())
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE outbox_cursors SET value = ? WHERE name = ?`, last, sweepCursor)
		return err
	})
	return n, err
}

// ContributionDue writes a "contribution due" message to every household
// that had an enrolled member in the year before year and has none in
// year, at the household's phone (else its head's), reminding it of the
// last day (enrollment clerks, finance, administrator; within the caller's
// scope). It returns how many messages were written; running it again
// writes none for the same households and year.
func (s *Service) ContributionDue(ctx context.Context, year int, deadline civil.Date) (int, error) {
	a, err := need(ctx, "生成缴费提醒 / write contribution reminders", access.Enrollment, access.Finance, access.Admin)
	if err != nil {
		return 0, err
	}
	if year < 2000 || deadline.IsZero() {
		return 0, apperr.Field("deadline", "required", "请填写年度和缴费截止日期", "the year and the last day are required")
	}
	var n int
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		n = 0
		// One grouped pass over the two years' enrollments (the households
		// whose latest enrollment of the two is last year's), joined to the
		// households: not a pair of subqueries per household, which SQLite
		// answered from the year-leading enrollments_stats index by reading
		// every enrollment of the year for each household.
		rows, err := tx.QueryContext(ctx, `SELECT h.id, COALESCE(NULLIF(h.phone, ''), hp.phone, ''), COALESCE(hp.name, '')
			FROM (SELECT e.household_id FROM enrollments e WHERE e.year IN (?, ?) AND e.cancelled_at IS NULL
				GROUP BY e.household_id HAVING MAX(e.year) = ?) g
			JOIN households h ON h.id = g.household_id
			LEFT JOIN persons hp ON hp.id = h.head_person_id
			WHERE h.area_path LIKE ?
			ORDER BY h.id`, year-1, year, year-1, a.Scope.AreaPath+"%")
		if err != nil {
			return err
		}
		var msgs []outbox.Message
		for rows.Next() {
			var hid int64
			var phone, head string
			if err := rows.Scan(&hid, &phone, &head); err != nil {
				rows.Close()
				return err
			}
			msgs = append(msgs, outbox.Message{Kind: outbox.ContributionDue, Recipient: phone,
				DedupeKey: "contribution_due:" + strconv.Itoa(year) + ":" + itoa(hid),
				Body: "【新农合】" + MaskName(head) + "户:" + strconv.Itoa(year) + "年度新农合个人缴费已开始,请于" +
					deadline.String() + "前到村或乡镇合管办缴费,逾期将影响报销。"})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range msgs {
			ok, err := outbox.Enqueue(ctx, tx, m, s.now())
			if err != nil {
				return err
			}
			if ok {
				n++
			}
		}
		return audit.Record(ctx, tx, "outbox.contribution_due", "outbox", year, nil,
			map[string]any{"year": year, "deadline": deadline, "messages": n})
	})
	return n, err
}
