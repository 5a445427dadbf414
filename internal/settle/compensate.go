package settle

import (
	"context"
	"encoding/json"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

var errNotCompensable = apperr.New(apperr.Conflict, "not_compensable",
	"该交易不能冲正(结算撤销、出院、信息变更请用相应交易处理)", "this message cannot be compensated (use the matching transaction)")

// Compensate undoes an earlier message of the same institution (2601 冲正):
// a settlement is reversed, an upload's lines still unsettled are revoked,
// a registration or admission is cancelled. A message never received is
// recorded as a tombstone so that the late original is refused. A second
// 2601 for the same message changes nothing.
func (s *Service) Compensate(ctx context.Context, r CompensateRequest) (CompensateResult, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return CompensateResult{}, err
	}
	r.OrigMsgID = strings.TrimSpace(r.OrigMsgID)
	if r.OrigMsgID == "" || r.OrigMsgID == r.MsgID {
		return CompensateResult{}, apperr.Field("omsgid", "required", "缺少原报文ID", "omsgid is required")
	}
	var out CompensateResult
	err = s.once(ctx, newMessage(in.ID, r.MsgID, InfCompensate, r), &out, func(tx *db.Tx) (effect, error) {
		var infno, status, typ, resp string
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT infno, status, effect_type, effect_id, response FROM settle_messages
			WHERE institution_id = ? AND msgid = ?`+tx.DB().ForUpdate(), in.ID, r.OrigMsgID).Scan(&infno, &status, &typ, &id, &resp)
		out = CompensateResult{OrigMsgID: r.OrigMsgID}
		switch {
		case db.IsNoRows(err):
			out.Effect = "tombstone"
			err = s.record(ctx, tx, message{inst: in.ID, msgID: r.OrigMsgID, infno: r.OrigInfno}, msgTombstone, effect{}, nil)
			if err != nil {
				return effect{}, err
			}
			return effect{"tombstone", 0}, audit.Record(ctx, tx, "settle.compensate", "message", r.OrigMsgID, nil, out)
		case err != nil:
			return effect{}, err
		case status != msgDone:
			out.Effect = "already"
			return effect{}, nil
		}
		if out.Effect, out.ID, err = s.undo(ctx, tx, in.ID, typ, id, resp, r.MsgID); err != nil {
			return effect{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE settle_messages SET status = 'compensated' WHERE institution_id = ? AND msgid = ?`,
			in.ID, r.OrigMsgID); err != nil {
			return effect{}, err
		}
		return effect{out.Effect, out.ID}, audit.Record(ctx, tx, "settle.compensate", "message", r.OrigMsgID, nil, out)
	})
	return out, err
}

// undo undoes one effect inside tx.
func (s *Service) undo(ctx context.Context, tx *db.Tx, inst int64, typ string, id int64, resp, msgID string) (string, int64, error) {
	switch typ {
	case "settlement":
		var rev Settlement
		if err := s.reverse(ctx, tx, inst, ReverseRequest{MsgID: msgID, SettlementID: id}, &rev); err != nil {
			return "", 0, err
		}
		return "settlement_reversed", rev.ID, nil
	case "lines":
		var up UploadResult
		if err := json.Unmarshal([]byte(resp), &up); err != nil {
			return "", 0, err
		}
		sns := make([]string, len(up.Lines))
		for i, l := range up.Lines {
			sns[i] = l.SN
		}
		if _, err := loadVisit(ctx, tx, inst, id, true); err != nil {
			return "", 0, err
		}
		if _, err := revokeLines(ctx, tx, id, sns, false); err != nil {
			return "", 0, err
		}
		return "lines_revoked", id, nil
	case "visit":
		v, err := loadVisit(ctx, tx, inst, id, true)
		if err != nil {
			return "", 0, err
		}
		if v.Status != Cancelled {
			if err := cancelLines(ctx, tx, id); err != nil {
				return "", 0, err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE visits SET status = 'cancelled', updated_at = ? WHERE id = ?`, s.stamp(), id); err != nil {
				return "", 0, err
			}
		}
		return "visit_cancelled", id, nil
	}
	return "", 0, errNotCompensable
}
