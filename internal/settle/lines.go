package settle

import (
	"context"
	"errors"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/catalog"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
)

// MaxUpload is the most lines one upload may carry.
const MaxUpload = 1000

// UploadResult is the answer to an upload: each line's split.
type UploadResult struct {
	VisitID int64        `json:"mdtrt_id"`
	Lines   []LineResult `json:"result"`
}

// stagedLine is a checked line ready to insert.
type stagedLine struct {
	in    LineInput
	entry *catalog.Entry
	line  engine.Line
	split engine.LineSplit
}

// UploadLines uploads fee lines (2204 / 2301): each code is looked up in the
// catalogue on the line's date (an unknown code is refused, naming it: the
// HIS must map its items first, as on the national platform), split by the
// engine, and stored unsettled.
func (s *Service) UploadLines(ctx context.Context, r UploadRequest) (UploadResult, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return UploadResult{}, err
	}
	if err := checkLineInputs(r.Lines); err != nil {
		return UploadResult{}, err
	}
	v, err := loadVisit(ctx, s.db, in.ID, r.VisitID, false)
	if err != nil {
		return UploadResult{}, err
	}
	if v.Status == Cancelled {
		return UploadResult{}, errVisitClosed
	}
	staged, err := s.stage(ctx, v, string(in.Level), r.Lines)
	if err != nil {
		return UploadResult{}, err
	}
	infno := InfUploadOut
	if v.ClrType == "21" {
		infno = InfUploadIn
	}
	var out UploadResult
	err = s.once(ctx, newMessage(in.ID, r.MsgID, infno, r), &out, func(tx *db.Tx) (effect, error) {
		cur, err := loadVisit(ctx, tx, in.ID, r.VisitID, true)
		if err != nil {
			return effect{}, err
		}
		if cur.Status == Cancelled {
			return effect{}, errVisitClosed
		}
		out = UploadResult{VisitID: v.ID, Lines: make([]LineResult, len(staged))}
		now := s.stamp()
		if err := insertLines(ctx, tx, v.ID, r.MsgID, now, staged); err != nil {
			return effect{}, err
		}
		for i := range staged {
			out.Lines[i] = staged[i].result()
		}
		return effect{"lines", v.ID}, audit.Record(ctx, tx, "settle.lines", "visit", v.ID, nil,
			map[string]any{"lines": len(staged), "msgid": r.MsgID})
	})
	var dup *duplicateLines
	if errors.As(err, &dup) {
		err = dup.named(ctx, s.db)
	}
	return out, err
}

// checkLineInputs checks each line on its own: every problem at once.
func checkLineInputs(lines []LineInput) error {
	var c apperr.Collector
	if len(lines) == 0 || len(lines) > MaxUpload {
		c.AddField("feedetail", "count", "费用明细应为1至1000行", "an upload has 1 to 1000 lines")
	}
	seen := map[string]bool{}
	for i := range lines {
		l := &lines[i]
		l.SN, l.InitSN, l.Code = strings.TrimSpace(l.SN), strings.TrimSpace(l.InitSN), strings.TrimSpace(l.Code)
		f := "feedetail[" + l.SN + "]"
		switch {
		case l.SN == "" || l.SN == "0000" || len(l.SN) > 30:
			c.AddField("feedetail.feedetl_sn", "feedetl_sn", "费用明细流水号缺失或无效", "feedetl_sn missing or invalid")
		case seen[l.SN]:
			c.AddField(f, "duplicate", "费用明细流水号重复", "feedetl_sn repeated in the upload")
		}
		seen[l.SN] = true
		if l.Code == "" {
			c.AddField(f+".med_list_codg", "required", "缺少医保目录编码", "med_list_codg is required")
		}
		if l.Approval < 0 || l.Approval > 2 {
			c.AddField(f+".hosp_appr_flag", "approval", "审批标志应为0、1或2", "hosp_appr_flag must be 0, 1 or 2")
		}
		if l.Price < 0 {
			c.AddField(f+".pric", "negative", "单价不能为负", "pric must not be negative")
		}
		refund := l.InitSN != ""
		switch {
		case l.Qty == 0:
			c.AddField(f+".cnt", "zero", "数量不能为0", "cnt must not be 0")
		case !refund && (l.Qty < 0 || l.Total < 0):
			c.AddField(f+".det_item_fee_sumamt", "negative", "数量和金额不能为负(退费明细须填写原明细流水号init_feedetl_sn)",
				"cnt and amount must not be negative (a refund line names init_feedetl_sn)")
		case refund && (l.Qty > 0 || l.Total > 0):
			c.AddField(f+".cnt", "refund_sign", "退费明细的数量和金额应为负数", "a refund line has negative cnt and amount")
		}
	}
	return c.Err()
}

// stage looks every code up and splits every line (outside the transaction).
func (s *Service) stage(ctx context.Context, v Visit, level string, lines []LineInput) ([]stagedLine, error) {
	ver, err := s.schemes.InForce(ctx, s.db, v.Begin)
	if err != nil {
		return nil, err
	}
	kindCode, err := kindFor(ver.Scheme, v.MedType)
	if err != nil {
		return nil, err
	}
	earliest := civil.Date{}
	if k, ok := ver.Scheme.KindIndex(kindCode); ok {
		kind := &ver.Scheme.Kinds[k]
		if kind.PreAdmissionDays > 0 {
			earliest = v.Begin.AddDays(-kind.PreAdmissionDays)
		} else if kind.Admission {
			earliest = v.Begin
		}
	}
	bills := make([]catalog.BillLine, len(lines))
	for i, l := range lines {
		bills[i] = catalog.BillLine{ID: l.SN, Code: l.Code, Name: l.Name, Qty: l.Qty, Price: l.Price,
			Total: l.Total, Date: l.Date, Approval: l.Approval}
	}
	engLines, entries, err := catalog.Resolve(ctx, s.db, v.Begin, bills)
	if err != nil {
		return nil, err
	}
	var c apperr.Collector
	out := make([]stagedLine, len(lines))
	for i := range lines {
		f := "feedetail[" + lines[i].SN + "]"
		if entries[i] == nil {
			c.AddField(f+".med_list_codg", "not_in_catalogue", "医保目录中无此项目: "+lines[i].Code+"(请先做目录对照)",
				"not in the catalogue on the date of service: "+lines[i].Code+" (map the item first)")
			continue
		}
		if engLines[i].Date.IsZero() {
			engLines[i].Date = v.Begin
		}
		sp, err := engine.ClassifyLine(&engLines[i], level, earliest)
		if err != nil {
			e, _ := apperr.As(err)
			if e == nil {
				return nil, err
			}
			for _, fe := range e.Fields {
				fe.Field = f + "." + strings.TrimPrefix(fe.Field, "lines["+lines[i].SN+"]")
				c.Add(fe)
			}
			continue
		}
		out[i] = stagedLine{in: lines[i], entry: entries[i], line: engLines[i], split: sp}
	}
	return out, c.Err()
}

const lineInsert = `INSERT INTO fee_lines (visit_id, feedetl_sn, init_feedetl_sn, code, name, catalog_id,
		class, selfpay_bp, price_cap, essential, restricted, levels, approval, qty, price, total, fee_date,
		fulamt_ownpay, overlmt, preselfpay, inscp, reason, status, upload_msgid, created_at, chrg_bchno) VALUES `

const lineValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)`

// lineBatch is the most lines one INSERT carries (25 values a line).
const lineBatch = 32

// insertLines stores the staged lines. Without refund lines they go in
// multi-row INSERTs of up to lineBatch lines (one statement instead of one
// per line); an upload with a refund line stores line by line, because a
// refund is checked against the lines stored before it, including earlier
// lines of the same upload.
func insertLines(ctx context.Context, tx *db.Tx, visitID int64, msgID, now string, staged []stagedLine) error {
	for i := range staged {
		if staged[i].in.InitSN != "" {
			for j := range staged {
				if err := checkRefund(ctx, tx, visitID, &staged[j]); err != nil {
					return err
				}
				if err := insertLineBatch(ctx, tx, visitID, msgID, now, staged[j:j+1]); err != nil {
					return err
				}
			}
			return nil
		}
	}
	for len(staged) > 0 {
		n := min(len(staged), lineBatch)
		if err := insertLineBatch(ctx, tx, visitID, msgID, now, staged[:n]); err != nil {
			return err
		}
		staged = staged[n:]
	}
	return nil
}

// insertLineBatch inserts lines in one statement. A feedetl_sn already
// stored for the visit is refused naming the first such line.
func insertLineBatch(ctx context.Context, tx *db.Tx, visitID int64, msgID, now string, lines []stagedLine) error {
	var b strings.Builder
	b.Grow(len(lineInsert) + len(lines)*(len(lineValues)+2))
	b.WriteString(lineInsert)
	args := make([]any, 0, 25*len(lines))
	for i := range lines {
		st := &lines[i]
		l, sp, e := &st.line, &st.split, st.entry
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(lineValues)
		args = append(args, visitID, l.ID, st.in.InitSN, l.Code, l.Name, e.ID, l.Class.String(), int64(l.SelfPay),
			int64(l.PriceCap), l.Essential, l.Restricted, strings.Join(l.Levels, ","), l.Approval, int64(l.Qty),
			int64(l.Price), int64(sp.Total), l.Date, int64(sp.FullOwn), int64(sp.OverLimit), int64(sp.FirstSelf),
			int64(sp.InScope), sp.Reason.String(), msgID, now, st.in.Batch)
	}
	_, err := tx.ExecContext(ctx, b.String(), args...)
	if db.IsUniqueViolation(err) {
		sns := make([]string, len(lines))
		for i := range lines {
			sns[i] = lines[i].line.ID
		}
		return &duplicateLines{visitID: visitID, sns: sns}
	}
	return err
}

// duplicateLines is a batch refused because the visit already has one of
// its feedetl_sn. UploadLines names the line once the transaction is over
// (duplicateLines.named): an aborted PostgreSQL transaction answers no
// query, and a read on another pooled connection from inside the
// transaction could wait for a connection held by a transaction like it.
type duplicateLines struct {
	visitID int64
	sns     []string
}

func (e *duplicateLines) Error() string { return "duplicate feedetl_sn in " + strings.Join(e.sns, ",") }

// named is the duplicate_line conflict naming the first line of the batch
// the visit already has (else the first).
func (e *duplicateLines) named(ctx context.Context, d *db.DB) error {
	sn := e.sns[0]
	for _, x := range e.sns {
		if len(e.sns) == 1 {
			break
		}
		var n int
		err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM fee_lines WHERE visit_id = ? AND feedetl_sn = ? AND status <> 'revoked'`,
			e.visitID, x).Scan(&n)
		if err == nil && n > 0 {
			sn = x
			break
		}
	}
	return apperr.New(apperr.Conflict, "duplicate_line", "费用明细流水号 "+sn+" 已上传", "feedetl_sn "+sn+" was already uploaded")
}

func (st *stagedLine) result() LineResult {
	l, sp := &st.line, &st.split
	return LineResult{SN: l.ID, Total: sp.Total, Qty: l.Qty, Price: l.Price, PriceCap: l.PriceCap,
		SelfPay: st.entry.SelfPay, FullOwn: sp.FullOwn, OverLimit: sp.OverLimit, FirstSelf: sp.FirstSelf,
		InScope: sp.InScope, ChrgitmLv: st.entry.ChrgitmLv(), FeeType: st.entry.FeeType, Essential: sp.Essential,
		Limited: l.Restricted, Memo: sp.Reason.String()}
}

// checkRefund: a refund line names a stored, unrevoked line of the visit
// with the same code, and refunds in total (including those stored earlier
// in this upload) never exceed what it charged.
func checkRefund(ctx context.Context, tx *db.Tx, visitID int64, st *stagedLine) error {
	{
		if st.in.InitSN == "" {
			return nil
		}
		var code string
		var qty, total, rq, rt int64
		err := tx.QueryRowContext(ctx, `SELECT o.code, o.qty, o.total,
			COALESCE((SELECT SUM(r.qty) FROM fee_lines r WHERE r.visit_id = o.visit_id AND r.init_feedetl_sn = o.feedetl_sn AND r.status <> 'revoked'), 0),
			COALESCE((SELECT SUM(r.total) FROM fee_lines r WHERE r.visit_id = o.visit_id AND r.init_feedetl_sn = o.feedetl_sn AND r.status <> 'revoked'), 0)
			FROM fee_lines o WHERE o.visit_id = ? AND o.feedetl_sn = ? AND o.status <> 'revoked' AND o.init_feedetl_sn = ''`,
			visitID, st.in.InitSN).Scan(&code, &qty, &total, &rq, &rt)
		f := "feedetail[" + st.in.SN + "].init_feedetl_sn"
		if db.IsNoRows(err) {
			return apperr.Field(f, "no_original", "退费明细对应的原明细 "+st.in.InitSN+" 不存在", "the refunded line "+st.in.InitSN+" does not exist")
		}
		if err != nil {
			return err
		}
		if code != st.line.Code {
			return apperr.Field(f, "refund_code", "退费项目与原明细项目不一致", "the refund's item differs from the original line's")
		}
		if qty+rq+int64(st.line.Qty) < 0 || total+rt+int64(st.split.Total) < 0 {
			return apperr.Field(f, "refund_exceeds", "退费数量或金额超过原明细", "the refund exceeds what the original line charged")
		}
	}
	return nil
}
