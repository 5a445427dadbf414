// Package complaint records complaints and tip-offs (投诉举报, SPEC §10):
// intake by an inspector or the director, assignment to an inspector,
// the assignee's answer with a finding, confirmation of the answer by the
// director (another person than the one who answered), and for a
// substantiated tip-off a reward granted by the director and recorded as
// paid by finance. Every step is a row of complaint_events and an audit
// record in the same transaction. A complaint can name the institution it
// is about; a confirmed finding against it becomes a deduction notice
// through internal/statement (outside this package).
package complaint

import (
	"context"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/money"
)

// China is the time zone days are reckoned in.
var China = time.FixedZone("CST", 8*3600)

// Kinds.
const (
	Complaint = "complaint" // 投诉
	Tip       = "tip"       // 举报
)

// Statuses.
const (
	Received  = "received"
	Assigned  = "assigned"
	Answered  = "answered"
	Confirmed = "confirmed"
)

// Findings of an answer.
const (
	Substantiated   = "substantiated"
	Partly          = "partly"
	Unsubstantiated = "unsubstantiated"
)

// Reward statuses.
const (
	RewardGranted = "granted"
	RewardPaid    = "paid"
)

// Channels a complaint comes in by.
var Channels = []string{"phone", "visit", "letter", "web", "other"}

// Label names a status, kind, finding or channel in Chinese and English.
func Label(code string) (zh, en string) {
	switch code {
	case Complaint:
		return "投诉", "complaint"
	case Tip:
		return "举报", "tip-off"
	case Received:
		return "已登记", "received"
	case Assigned:
		return "已交办", "assigned"
	case Answered:
		return "已答复", "answered"
	case Confirmed:
		return "已办结", "confirmed"
	case Substantiated:
		return "属实", "substantiated"
	case Partly:
		return "部分属实", "partly substantiated"
	case Unsubstantiated:
		return "不属实", "unsubstantiated"
	case RewardGranted:
		return "已批准奖励", "reward granted"
	case RewardPaid:
		return "奖励已发放", "reward paid"
	case "phone":
		return "电话", "phone"
	case "visit":
		return "来访", "visit"
	case "letter":
		return "信件", "letter"
	case "web":
		return "网络", "web"
	case "other":
		return "其他", "other"
	}
	return code, code
}

// Who may do what.
var (
	Intake    = []access.Role{access.Inspector, access.Director, access.Admin}
	Assigners = []access.Role{access.Inspector, access.Director}
	Deciders  = []access.Role{access.Director}
	Payers    = []access.Role{access.Finance}
	Readers   = []access.Role{access.Inspector, access.Director, access.Admin, access.Auditor, access.Finance}
)

// Item is a complaint or tip-off.
type Item struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind"`
	Channel       string     `json:"channel"`
	ReceivedOn    civil.Date `json:"received_on"`
	Complainant   string     `json:"complainant,omitempty"` // empty when anonymous
	Contact       string     `json:"contact,omitempty"`     // shown masked by adapters
	InstitutionID int64      `json:"institution_id,omitempty"`
	Subject       string     `json:"subject"`
	Details       string     `json:"details,omitempty"`
	Status        string     `json:"status"`
	Assignee      string     `json:"assignee,omitempty"`
	DueOn         civil.Date `json:"due_on,omitzero"`
	Answer        string     `json:"answer,omitempty"`
	Finding       string     `json:"finding,omitempty"`
	AnsweredBy    string     `json:"answered_by,omitempty"`
	ConfirmedBy   string     `json:"confirmed_by,omitempty"`
	Reward        money.Fen  `json:"reward"`
	RewardStatus  string     `json:"reward_status,omitempty"`
	RewardPaidOn  civil.Date `json:"reward_paid_on,omitzero"`
	DeductionID   int64      `json:"deduction_id,omitempty"` // the deduction notice raised from it (RaiseDeduction)
	CreatedBy     string     `json:"created_by"`
}

// Event is one step of an item.
type Event struct {
	Step     string    `json:"step"`
	Note     string    `json:"note,omitempty"`
	Username string    `json:"username"`
	Role     string    `json:"role"`
	At       time.Time `json:"at"`
}

// Service runs complaints over a database.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// New returns the service; now is the clock (nil: time.Now).
func New(d *db.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: d, now: now}
}

// Today is the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

// ErrNotFound is an unknown complaint.
var ErrNotFound = apperr.New(apperr.NotFound, "complaint_not_found", "未找到该投诉举报", "complaint not found")

func need(ctx context.Context, what string, roles ...access.Role) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")
	}
	if !a.Can(roles...) || a.Scope.IsInstitution() || a.Scope.AreaPath == "" {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权"+what, "not allowed to "+what)
	}
	return a, nil
}

// Receive records a new complaint or tip-off.
func (s *Service) Receive(ctx context.Context, in Item) (Item, error) {
	a, err := need(ctx, "登记投诉举报 / record complaints", Intake...)
	if err != nil {
		return Item{}, err
	}
	in.Subject, in.Details = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Details)
	in.Complainant, in.Contact = strings.TrimSpace(in.Complainant), strings.TrimSpace(in.Contact)
	if in.ReceivedOn.IsZero() {
		in.ReceivedOn = s.Today()
	}
	var c apperr.Collector
	if in.Kind != Complaint && in.Kind != Tip {
		c.AddField("kind", "invalid", "请选择投诉或举报", "choose complaint or tip-off")
	}
	if !contains(Channels, in.Channel) {
		c.AddField("channel", "invalid", "请选择来源渠道", "choose a channel")
	}
	if in.Subject == "" {
		c.AddField("subject", "required", "请填写事由", "a subject is required")
	}
	if in.ReceivedOn.After(s.Today()) {
		c.AddField("received_on", "future", "日期不能晚于今天", "the date must not be in the future")
	}
	if err := c.Err(); err != nil {
		return Item{}, err
	}
	in.Status, in.CreatedBy = Received, a.Username
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var inst any
		if in.InstitutionID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM institutions WHERE id = ?`, in.InstitutionID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return apperr.Field("institution_id", "not_found", "医疗机构不存在", "institution not found")
			}
			inst = in.InstitutionID
		}
		ts := db.Timestamp(s.now())
		id, err := tx.InsertID(ctx, `INSERT INTO complaints (kind, channel, received_on, complainant, contact, institution_id,
			subject, details, status, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.Kind, in.Channel, in.ReceivedOn, in.Complainant, in.Contact, inst, in.Subject, in.Details, Received, ts, a.Username, ts)
		if err != nil {
			return err
		}
		in.ID = id
		if err := s.event(ctx, tx, a, id, "receive", ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "complaint.receive", "complaint", id, nil, in)
	})
	return in, err
}

// Assign gives a received (or re-assigns an assigned) item to a user
// with a due day.
func (s *Service) Assign(ctx context.Context, id int64, assignee string, due civil.Date) (Item, error) {
	a, err := need(ctx, "交办投诉举报 / assign complaints", Assigners...)
	if err != nil {
		return Item{}, err
	}
	if assignee = strings.TrimSpace(assignee); assignee == "" {
		return Item{}, apperr.Field("assignee", "required", "请选择承办人", "choose who handles it")
	}
	if !due.IsZero() && due.Before(s.Today()) {
		return Item{}, apperr.Field("due_on", "past", "办理期限不能早于今天", "the due day cannot be in the past")
	}
	return s.step(ctx, a, id, "assign", assignee, func(tx *db.Tx, it *Item) error {
		if it.Status != Received && it.Status != Assigned {
			return wrong(it.Status)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE username = ? AND role IN ('inspector', 'director')`,
			assignee).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("assignee", "not_found", "承办人须为稽核员或主任", "the assignee must be an inspector or the director")
		}
		it.Status, it.Assignee, it.DueOn = Assigned, assignee, due
		_, err := tx.ExecContext(ctx, `UPDATE complaints SET status = ?, assignee = ?, due_on = ?, updated_at = ? WHERE id = ?`,
			Assigned, assignee, due, db.Timestamp(s.now()), id)
		return err
	})
}

// Answer records the assignee's answer and finding.
func (s *Service) Answer(ctx context.Context, id int64, answer, finding string) (Item, error) {
	a, err := need(ctx, "答复投诉举报 / answer complaints", Assigners...)
	if err != nil {
		return Item{}, err
	}
	answer = strings.TrimSpace(answer)
	var c apperr.Collector
	if answer == "" {
		c.AddField("answer", "required", "请填写答复意见", "an answer is required")
	}
	if finding != Substantiated && finding != Partly && finding != Unsubstantiated {
		c.AddField("finding", "invalid", "请选择核查结论", "choose a finding")
	}
	if err := c.Err(); err != nil {
		return Item{}, err
	}
	return s.step(ctx, a, id, "answer", finding, func(tx *db.Tx, it *Item) error {
		if it.Status != Assigned {
			return wrong(it.Status)
		}
		if it.Assignee != a.Username {
			return apperr.New(apperr.Forbidden, "not_assignee", "只有承办人可以答复", "only the assignee may answer")
		}
		it.Status, it.Answer, it.Finding, it.AnsweredBy = Answered, answer, finding, a.Username
		_, err := tx.ExecContext(ctx, `UPDATE complaints SET status = ?, answer = ?, finding = ?, answered_by = ?, updated_at = ?
			WHERE id = ?`, Answered, answer, finding, a.Username, db.Timestamp(s.now()), id)
		return err
	})
}

// Confirm closes an answered item (director, not the one who answered),
// or with reopen sends it back to the assignee with a note.
func (s *Service) Confirm(ctx context.Context, id int64, reopen bool, note string) (Item, error) {
	a, err := need(ctx, "确认办结 / confirm answers", Deciders...)
	if err != nil {
		return Item{}, err
	}
	note = strings.TrimSpace(note)
	if reopen && note == "" {
		return Item{}, apperr.Field("note", "required", "退回须说明原因", "say why it goes back")
	}
	step := "confirm"
	if reopen {
		step = "reopen"
	}
	return s.step(ctx, a, id, step, note, func(tx *db.Tx, it *Item) error {
		if it.Status != Answered {
			return wrong(it.Status)
		}
		if it.AnsweredBy == a.Username {
			return apperr.New(apperr.Conflict, "same_person", "答复人不能确认本人的答复", "the person who answered cannot confirm it")
		}
		if reopen {
			it.Status = Assigned
			_, err := tx.ExecContext(ctx, `UPDATE complaints SET status = ?, updated_at = ? WHERE id = ?`, Assigned, db.Timestamp(s.now()), id)
			return err
		}
		it.Status, it.ConfirmedBy = Confirmed, a.Username
		_, err := tx.ExecContext(ctx, `UPDATE complaints SET status = ?, confirmed_by = ?, updated_at = ? WHERE id = ?`,
			Confirmed, a.Username, db.Timestamp(s.now()), id)
		return err
	})
}

// GrantReward grants a reward for a confirmed tip-off found substantiated
// (or partly), by the director.
func (s *Service) GrantReward(ctx context.Context, id int64, amount money.Fen) (Item, error) {
	a, err := need(ctx, "批准举报奖励 / grant rewards", Deciders...)
	if err != nil {
		return Item{}, err
	}
	if amount <= 0 {
		return Item{}, apperr.Field("reward", "positive", "奖励金额应大于 0", "the reward must be positive")
	}
	return s.step(ctx, a, id, "reward", amount.String(), func(tx *db.Tx, it *Item) error {
		switch {
		case it.Kind != Tip:
			return apperr.New(apperr.Conflict, "not_tip", "只有举报可以奖励", "only a tip-off is rewarded")
		case it.Status != Confirmed || (it.Finding != Substantiated && it.Finding != Partly):
			return apperr.New(apperr.Conflict, "not_confirmed", "举报须经确认属实后才能奖励", "a tip-off is rewarded only once confirmed as true")
		case it.RewardStatus != "":
			return apperr.New(apperr.Conflict, "rewarded", "该举报已批准奖励", "the reward is already granted")
		case it.Complainant == "" && it.Contact == "":
			return apperr.New(apperr.Conflict, "anonymous", "匿名举报无法发放奖励", "an anonymous tip-off cannot be rewarded")
		}
		it.Reward, it.RewardStatus = amount, RewardGranted
		_, err := tx.ExecContext(ctx, `UPDATE complaints SET reward = ?, reward_status = ?, updated_at = ? WHERE id = ?`,
			int64(amount), RewardGranted, db.Timestamp(s.now()), id)
		return err
	})
}

// RewardPaid records that a granted reward was paid (finance).
func (s *Service) RewardPaid(ctx context.Context, id int64, on civil.Date) (Item, error) {
	a, err := need(ctx, "登记奖励发放 / record reward payments", Payers...)
	if err != nil {
		return Item{}, err
	}
	if on.IsZero() || on.After(s.Today()) {
		return Item{}, apperr.Field("paid_on", "invalid", "请填写发放日期(不晚于今天)", "the day paid is required and not in the future")
	}
	return s.step(ctx, a, id, "reward_paid", on.String(), func(tx *db.Tx, it *Item) error {
		if it.RewardStatus != RewardGranted {
			return apperr.New(apperr.Conflict, "no_reward", "没有待发放的奖励", "no granted reward to pay")
		}
		it.RewardStatus, it.RewardPaidOn = RewardPaid, on
		_, err := tx.ExecContext(ctx, `UPDATE complaints SET reward_status = ?, reward_paid_on = ?, updated_at = ? WHERE id = ?`,
			RewardPaid, on, db.Timestamp(s.now()), id)
		return err
	})
}

func wrong(status string) error {
	zh, en := Label(status)
	return apperr.New(apperr.Conflict, "complaint_status", "该投诉举报"+zh+",不能进行此操作", "the complaint is "+en+": this step is not possible")
}

// step locks the item, applies fn and records the event and the audit.
func (s *Service) step(ctx context.Context, a access.Actor, id int64, step, note string, fn func(tx *db.Tx, it *Item) error) (Item, error) {
	var out Item
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		it, err := load(ctx, tx, id, tx.DB().ForUpdate())
		if err != nil {
			return err
		}
		before := it
		if err := fn(tx, &it); err != nil {
			return err
		}
		if err := s.event(ctx, tx, a, id, step, note); err != nil {
			return err
		}
		out = it
		return audit.Record(ctx, tx, "complaint."+step, "complaint", id, before, it)
	})
	return out, err
}

func (s *Service) event(ctx context.Context, tx *db.Tx, a access.Actor, id int64, step, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO complaint_events (complaint_id, step, note, username, role, at) VALUES (?, ?, ?, ?, ?, ?)`,
		id, step, note, a.Username, string(a.Role), db.Timestamp(s.now()))
	return err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
