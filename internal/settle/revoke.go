package settle

import (
	"context"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// RevokeLines revokes unsettled lines (2205 / 2302). No SNs, or "0000",
// revokes every unsettled line; a settled line is refused (reverse the
// settlement first). Revoked lines keep their rows (status revoked), and
// their feedetl_sn may be uploaded again.
func (s *Service) RevokeLines(ctx context.Context, r RevokeRequest) (RevokeResult, error) {
	in, err := s.institutionOf(ctx)
	if err != nil {
		return RevokeResult{}, err
	}
	batch := strings.TrimSpace(r.Batch)
	if batch == "0000" {
		batch = ""
	}
	all := len(r.SNs) == 0 && batch == ""
	for _, sn := range r.SNs {
		if strings.TrimSpace(sn) == "0000" {
			all = true
		}
	}
	infno := InfRevokeOut
	var out RevokeResult
	err = s.once(ctx, newMessage(in.ID, r.MsgID, infno, r), &out, func(tx *db.Tx) (effect, error) {
		v, err := loadVisit(ctx, tx, in.ID, r.VisitID, true)
		if err != nil {
			return effect{}, err
		}
		want := r.SNs
		if batch != "" && !all {
			if want, err = batchLines(ctx, tx, v.ID, batch); err != nil {
				return effect{}, err
			}
		}
		sns, err := revokeLines(ctx, tx, v.ID, want, all)
		if err != nil {
			return effect{}, err
		}
		out = RevokeResult{VisitID: v.ID, SNs: sns}
		return effect{"revoke", v.ID}, audit.Record(ctx, tx, "settle.revoke", "visit", v.ID, nil, out)
	})
	return out, err
}

// revokeLines revokes the open lines named (or all open lines).
func revokeLines(ctx context.Context, tx *db.Tx, visitID int64, want []string, all bool) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT feedetl_sn, status FROM fee_lines WHERE visit_id = ? AND status <> 'revoked' ORDER BY id`, visitID)
	if err != nil {
		return nil, err
	}
	status := map[string]string{}
	var open []string
	for rows.Next() {
		var sn, st string
		if err := rows.Scan(&sn, &st); err != nil {
			rows.Close()
			return nil, err
		}
		status[sn] = st
		if st == "open" {
			open = append(open, sn)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	pick := open
	if !all {
		pick = nil
		for _, sn := range want {
			sn = strings.TrimSpace(sn)
			switch status[sn] {
			case "open":
				pick = append(pick, sn)
			case "settled":
				return nil, apperr.New(apperr.Conflict, "line_settled", "费用明细 "+sn+" 已结算,不能撤销", "fee line "+sn+" is settled and cannot be revoked")
			default:
				return nil, apperr.New(apperr.NotFound, "line_not_found", "未找到费用明细 "+sn, "fee line "+sn+" not found")
			}
		}
	}
	for _, sn := range pick {
		if _, err := tx.ExecContext(ctx, `UPDATE fee_lines SET status = 'revoked' WHERE visit_id = ? AND feedetl_sn = ? AND status = 'open'`,
			visitID, sn); err != nil {
			return nil, err
		}
	}
	if pick == nil {
		pick = []string{}
	}
	return pick, nil
}

// batchLines names the unsettled lines of one charge batch of the visit. A
// batch with no line is not found; a batch whose lines are all settled is
// a conflict (reverse the settlement first).
func batchLines(ctx context.Context, tx *db.Tx, visitID int64, batch string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT feedetl_sn, status FROM fee_lines WHERE visit_id = ? AND chrg_bchno = ? AND status <> 'revoked' ORDER BY id`, visitID, batch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var open []string
	settled := false
	for rows.Next() {
		var sn, st string
		if err := rows.Scan(&sn, &st); err != nil {
			return nil, err
		}
		if st == "open" {
			open = append(open, sn)
		} else {
			settled = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(open) == 0 && settled {
		return nil, apperr.Field("chrg_bchno", "batch_settled", "收费批次 "+batch+" 的明细已结算,不能撤销", "the lines of charge batch "+batch+" are settled and cannot be revoked")
	}
	if len(open) == 0 {
		return nil, apperr.Field("chrg_bchno", "batch_not_found", "未找到收费批次 "+batch+" 的未结算明细", "no unsettled lines in charge batch "+batch)
	}
	return open, nil
}
