package statement

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/ledger"
	"ncms/internal/money"
)

// KindStatement is the item kind of institution statements.
const KindStatement = "statement"

// Item is one payee line of a bank batch: an approved statement, or an
// approved manual claim from another Source.
type Item struct {
	Kind      string    `json:"kind"`
	RefID     int64     `json:"ref_id"`
	Payee     string    `json:"payee"`
	BankName  string    `json:"bank_name"`
	Account   string    `json:"account_no"`
	Amount    money.Fen `json:"amount"`
	Reference string    `json:"reference"`
	Seq       int       `json:"seq,omitempty"`
	Active    bool      `json:"active"`
}

// Source provides payable items of one kind to bank batches (manual
// claims implement it). ListPayable returns the items approved for payment
// and not yet paid; the batch leaves out those already in an open batch.
// MarkPaid marks items paid inside the payment's transaction; an error
// rolls the whole payment back.
type Source interface {
	Kind() string
	ListPayable(ctx context.Context, q db.Querier) ([]Item, error)
	MarkPaid(ctx context.Context, tx *db.Tx, ids []int64, paidOn civil.Date, bankRef string) error
}

// postApproved posts the approved statement's deductions (one entry per
// deduction) and its withholding to the fund ledger (docs/ledger.md), in
// the approving transaction, dated the approval day.
func (s *Service) postApproved(ctx context.Context, tx *db.Tx, st Statement) error {
	on := s.Today()
	rows, err := tx.QueryContext(ctx, `SELECT id, amount FROM deductions WHERE statement_id = ? AND status = ? ORDER BY id`,
		st.ID, DeductionTaken)
	if err != nil {
		return err
	}
	type ded struct {
		id  int64
		amt money.Fen
	}
	var ds []ded
	for rows.Next() {
		var d ded
		var amt int64
		if err := rows.Scan(&d.id, &amt); err != nil {
			rows.Close()
			return err
		}
		d.amt = money.Fen(amt)
		ds = append(ds, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	memo := st.Period.String() + " " + st.InstitutionCode
	for _, d := range ds {
		if _, err := ledger.Post(ctx, tx, ledger.ForDeduction(st.Period.Year, on, d.id, st.InstitutionID, d.amt, memo)); err != nil {
			return err
		}
	}
	_, err = ledger.PostIfAny(ctx, tx, ledger.ForWithholding(st.Period.Year, on, st.ID, st.InstitutionID, st.Withheld, memo))
	return err
}

// Batch is a bank batch.
type Batch struct {
	ID           int64      `json:"id"`
	Status       string     `json:"status"` // open, paid, cancelled
	Items        int        `json:"items"`
	Total        money.Fen  `json:"total"`
	Note         string     `json:"note,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	PaidOn       civil.Date `json:"paid_on"`
	BankRef      string     `json:"bank_ref,omitempty"`
	RecordedBy   string     `json:"recorded_by,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	Lines        []Item     `json:"lines,omitempty"`
}

// Batch statuses.
const (
	BatchOpen      = "open"
	BatchPaid      = "paid"
	BatchCancelled = "cancelled"
)

// Ref names an item to put in a batch.
type Ref struct {
	Kind  string `json:"kind"`
	RefID int64  `json:"ref_id"`
}

// Payable lists every item that may go into a new batch: approved
// statements with a positive amount, and the payable items of each
// Source, leaving out those in an open batch.
func (s *Service) Payable(ctx context.Context) ([]Item, error) {
	if _, err := need(ctx, "制作支付批次 / make bank batches", access.Finance, access.Director); err != nil {
		return nil, err
	}
	return s.payable(ctx, s.db)
}

func (s *Service) payable(ctx context.Context, q db.Querier) ([]Item, error) {
	rows, err := q.QueryContext(ctx, `SELECT st.id, st.period, st.payable, i.code, i.name, i.bank_name, i.bank_account_name,
		i.bank_account_no FROM statements st JOIN institutions i ON i.id = st.institution_id
		WHERE st.status = ? AND st.payable > 0 ORDER BY st.period, i.code`, Approved)
	if err != nil {
		return nil, err
	}
	var out []Item
	for rows.Next() {
		var it Item
		var period, code, name, accName string
		var amt int64
		if err := rows.Scan(&it.RefID, &period, &amt, &code, &name, &it.BankName, &accName, &it.Account); err != nil {
			rows.Close()
			return nil, err
		}
		it.Kind, it.Amount, it.Payee, it.Active = KindStatement, money.Fen(amt), accName, true
		if it.Payee == "" {
			it.Payee = name
		}
		it.Reference = fmt.Sprintf("新农合%s月结算 %s ST%d", period, code, it.RefID)
		out = append(out, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	kinds := make([]string, 0, len(s.sources))
	for k := range s.sources {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		items, err := s.sources[k].ListPayable(ctx, q)
		if err != nil {
			return nil, err
		}
		inBatch, err := activeRefs(ctx, q, k)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if !inBatch[it.RefID] && it.Amount > 0 {
				it.Kind, it.Active = k, true
				out = append(out, it)
			}
		}
	}
	return out, nil
}

func activeRefs(ctx context.Context, q db.Querier, kind string) (map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT ref_id FROM pay_batch_items WHERE kind = ? AND active`, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		m[id] = true
	}
	return m, rows.Err()
}

// CreateBatch puts the named payable items into a new bank batch (finance).
// Every item must be payable now and have a bank account; statements
// become batched. The batch is then exported (CSV or XLSX) for the bank.
func (s *Service) CreateBatch(ctx context.Context, refs []Ref, note string) (Batch, error) {
	a, err := need(ctx, "制作支付批次 / make bank batches", access.Finance)
	if err != nil {
		return Batch{}, err
	}
	if len(refs) == 0 {
		return Batch{}, apperr.Field("items", "required", "请选择要支付的项目", "choose the items to pay")
	}
	var out Batch
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		avail, err := s.payable(ctx, tx)
		if err != nil {
			return err
		}
		byRef := map[Ref]Item{}
		for _, it := range avail {
			byRef[Ref{it.Kind, it.RefID}] = it
		}
		var c apperr.Collector
		seen := map[Ref]bool{}
		var items []Item
		for _, r := range refs {
			it, ok := byRef[r]
			switch {
			case seen[r]:
				continue
			case !ok:
				c.AddField("items", "not_payable", fmt.Sprintf("%s %d 不可支付(未审批、已在批次中或已支付)", r.Kind, r.RefID),
					fmt.Sprintf("%s %d is not payable (not approved, already in a batch, or paid)", r.Kind, r.RefID))
				continue
			case strings.TrimSpace(it.Account) == "":
				c.AddField("items", "no_account", it.Payee+" 没有银行账号", it.Payee+" has no bank account")
				continue
			}
			seen[r] = true
			items = append(items, it)
		}
		if err := c.Err(); err != nil {
			return err
		}
		var total money.Fen
		for _, it := range items {
			total += it.Amount
		}
		id, err := tx.InsertID(ctx, `INSERT INTO pay_batches (status, items, total, note, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?)`, BatchOpen, len(items), int64(total), strings.TrimSpace(note), s.stamp(), a.Username)
		if err != nil {
			return err
		}
		for i, it := range items {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pay_batch_items (batch_id, seq, kind, ref_id, payee, bank_name,
				account_no, amount, reference, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE)`, id, i+1, it.Kind, it.RefID,
				it.Payee, it.BankName, it.Account, int64(it.Amount), it.Reference); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "in_batch", "项目已在其他批次中", "an item is already in another batch")
				}
				return err
			}
			if it.Kind == KindStatement {
				if err := s.setStatus(ctx, tx, it.RefID, Approved, Batched, "batch", fmt.Sprintf("批次 / batch %d", id)); err != nil {
					return err
				}
			}
		}
		if out, err = loadBatch(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "statement.batch.create", "pay_batch", id, nil, out)
	})
	return out, err
}

// setStatus moves a statement from one status to another and records it.
func (s *Service) setStatus(ctx context.Context, tx *db.Tx, id int64, from, to, step, reason string) error {
	res, err := tx.ExecContext(ctx, `UPDATE statements SET status = ? WHERE id = ? AND status = ?`, to, id, from)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.New(apperr.Conflict, "statement_status", "结算单状态已变化,请刷新", "the statement changed; reload")
	}
	if err := s.event(ctx, tx, id, step, to, reason); err != nil {
		return err
	}
	return audit.Record(ctx, tx, "statement."+step, "statement", id, map[string]any{"status": from},
		map[string]any{"status": to, "reason": reason})
}

// Payment records what the bank did with a batch.
type Payment struct {
	PaidOn  civil.Date `json:"paid_on"`
	BankRef string     `json:"bank_ref"`
	// Failed lists the seq numbers of lines the bank returned (wrong
	// account...): they leave the batch and become payable again.
	Failed []int `json:"failed,omitempty"`
}

// RecordPayment records the bank's payment of an open batch (finance): in
// one transaction every line is marked paid (statements, and the items of
// each Source through MarkPaid), the ledger postings are made and the
// batch is closed. Any failure leaves everything as it was.
func (s *Service) RecordPayment(ctx context.Context, id int64, p Payment) (Batch, error) {
	a, err := need(ctx, "登记支付 / record payments", access.Finance)
	if err != nil {
		return Batch{}, err
	}
	p.BankRef = strings.TrimSpace(p.BankRef)
	var c apperr.Collector
	if p.PaidOn.IsZero() {
		c.AddField("paid_on", "required", "请填写支付日期", "the payment date is required")
	} else if p.PaidOn.After(s.Today()) {
		c.AddField("paid_on", "future", "支付日期不能晚于今天", "the payment date must not be in the future")
	}
	if p.BankRef == "" {
		c.AddField("bank_ref", "required", "请填写银行流水号", "the bank reference is required")
	}
	if err := c.Err(); err != nil {
		return Batch{}, err
	}
	var out Batch
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := lockOpenBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		failed := map[int]bool{}
		for _, seq := range p.Failed {
			failed[seq] = true
		}
		byKind := map[string][]int64{}
		var paid []Item
		var total money.Fen
		for _, it := range b.Lines {
			if failed[it.Seq] {
				if err := s.release(ctx, tx, id, it, "银行退回 / returned by the bank"); err != nil {
					return err
				}
				delete(failed, it.Seq)
				continue
			}
			paid = append(paid, it)
			total += it.Amount
			if it.Kind == KindStatement {
				if err := s.setStatus(ctx, tx, it.RefID, Batched, Paid, "pay", "银行流水 / bank ref "+p.BankRef); err != nil {
					return err
				}
				if err := s.paid(ctx, tx, it, p); err != nil {
					return err
				}
				continue
			}
			byKind[it.Kind] = append(byKind[it.Kind], it.RefID)
		}
		if len(failed) > 0 {
			return apperr.Field("failed", "unknown_line", "退回的行号不在该批次中", "a returned line number is not in the batch")
		}
		if len(paid) == 0 {
			return apperr.Field("failed", "all_failed", "全部退回时请作废批次", "when every line failed, cancel the batch")
		}
		for kind, ids := range byKind {
			src, ok := s.sources[kind]
			if !ok {
				return fmt.Errorf("statement: no source for item kind %q", kind)
			}
			if err := src.MarkPaid(ctx, tx, ids, p.PaidOn, p.BankRef); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pay_batches SET status = ?, items = ?, total = ?, paid_on = ?, bank_ref = ?,
			recorded_at = ?, recorded_by = ? WHERE id = ?`, BatchPaid, len(paid), int64(total), p.PaidOn, p.BankRef,
			s.stamp(), a.Username, id); err != nil {
			return err
		}
		if out, err = loadBatch(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "statement.batch.pay", "pay_batch", id, map[string]any{"status": b.Status, "total": b.Total},
			map[string]any{"status": out.Status, "total": out.Total, "paid_on": p.PaidOn, "bank_ref": p.BankRef, "failed": p.Failed})
	})
	return out, err
}

// CancelBatch cancels an open batch with a reason (finance): its lines
// become payable again.
func (s *Service) CancelBatch(ctx context.Context, id int64, reason string) (Batch, error) {
	if _, err := need(ctx, "作废支付批次 / cancel bank batches", access.Finance); err != nil {
		return Batch{}, err
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return Batch{}, apperr.Field("reason", "required", "请填写作废原因", "a reason is required")
	}
	var out Batch
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		b, err := lockOpenBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, it := range b.Lines {
			if err := s.release(ctx, tx, id, it, "批次作废 / batch cancelled: "+reason); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pay_batches SET status = ?, cancel_reason = ? WHERE id = ?`,
			BatchCancelled, reason, id); err != nil {
			return err
		}
		if out, err = loadBatch(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "statement.batch.cancel", "pay_batch", id, map[string]any{"status": b.Status},
			map[string]any{"status": out.Status, "reason": reason})
	})
	return out, err
}

// release takes a line out of its batch; a statement returns to approved.
func (s *Service) release(ctx context.Context, tx *db.Tx, batch int64, it Item, reason string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE pay_batch_items SET active = FALSE WHERE batch_id = ? AND seq = ?`, batch, it.Seq); err != nil {
		return err
	}
	if it.Kind == KindStatement {
		return s.setStatus(ctx, tx, it.RefID, Batched, Approved, "unbatch", reason)
	}
	return nil
}

func lockOpenBatch(ctx context.Context, tx *db.Tx, id int64) (Batch, error) {
	var status string
	err := tx.QueryRowContext(ctx, `SELECT status FROM pay_batches WHERE id = ?`+tx.DB().ForUpdate(), id).Scan(&status)
	if db.IsNoRows(err) {
		return Batch{}, apperr.NotFoundf("支付批次 / bank batch")
	}
	if err != nil {
		return Batch{}, err
	}
	if status != BatchOpen {
		return Batch{}, apperr.New(apperr.Conflict, "batch_closed", "该批次已支付或已作废", "the batch is already paid or cancelled")
	}
	return loadBatch(ctx, tx, id)
}

func loadBatch(ctx context.Context, q db.Querier, id int64) (Batch, error) {
	var b Batch
	var total int64
	var created, paidOn string
	err := q.QueryRowContext(ctx, `SELECT id, status, items, total, note, created_at, created_by, COALESCE(paid_on, ''),
		bank_ref, recorded_by, cancel_reason FROM pay_batches WHERE id = ?`, id).Scan(&b.ID, &b.Status, &b.Items, &total,
		&b.Note, &created, &b.CreatedBy, &paidOn, &b.BankRef, &b.RecordedBy, &b.CancelReason)
	if db.IsNoRows(err) {
		return b, apperr.NotFoundf("支付批次 / bank batch")
	}
	if err != nil {
		return b, err
	}
	b.Total = money.Fen(total)
	b.CreatedAt, _ = db.ParseTimestamp(created)
	if paidOn != "" {
		_ = b.PaidOn.UnmarshalText([]byte(paidOn))
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, kind, ref_id, payee, bank_name, account_no, amount, reference, active
		FROM pay_batch_items WHERE batch_id = ? ORDER BY seq`, id)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	for rows.Next() {
		var it Item
		var amt int64
		if err := rows.Scan(&it.Seq, &it.Kind, &it.RefID, &it.Payee, &it.BankName, &it.Account, &amt, &it.Reference, &it.Active); err != nil {
			return b, err
		}
		it.Amount = money.Fen(amt)
		b.Lines = append(b.Lines, it)
	}
	return b, rows.Err()
}

// GetBatch returns a batch with its lines.
func (s *Service) GetBatch(ctx context.Context, id int64) (Batch, error) {
	if _, err := need(ctx, "查看支付批次 / see bank batches", access.Finance, access.Director, access.Auditor, access.Admin); err != nil {
		return Batch{}, err
	}
	return loadBatch(ctx, s.db, id)
}

// Batches lists batches, newest first (without lines).
func (s *Service) Batches(ctx context.Context, limit int) ([]Batch, error) {
	if _, err := need(ctx, "查看支付批次 / see bank batches", access.Finance, access.Director, access.Auditor, access.Admin); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM pay_batches ORDER BY id DESC LIMIT `+itoa(limit))
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	out := make([]Batch, 0, len(ids))
	for _, id := range ids {
		b, err := loadBatch(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		b.Lines = nil
		out = append(out, b)
	}
	return out, rows.Err()
}

// paid records a statement's payment and posts it (Dr 2101, Cr 1001).
func (s *Service) paid(ctx context.Context, tx *db.Tx, it Item, p Payment) error {
	if _, err := tx.ExecContext(ctx, `UPDATE statements SET paid_on = ?, bank_ref = ? WHERE id = ?`,
		p.PaidOn, p.BankRef, it.RefID); err != nil {
		return err
	}
	var inst int64
	var period string
	if err := tx.QueryRowContext(ctx, `SELECT institution_id, period FROM statements WHERE id = ?`, it.RefID).Scan(&inst, &period); err != nil {
		return err
	}
	pp, err := ParsePeriod(period)
	if err != nil {
		return err
	}
	_, err = ledger.Post(ctx, tx, ledger.ForInstitutionPayment(pp.Year, p.PaidOn, it.RefID, inst, it.Amount, it.Reference+" "+p.BankRef))
	return err
}
