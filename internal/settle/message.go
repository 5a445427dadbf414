package settle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/institution"
)

// Message statuses in settle_messages.
const (
	msgDone        = "done"
	msgCompensated = "compensated"
	msgTombstone   = "tombstone"
)

// Transaction numbers recorded with messages (HIS infno). The native API
// uses the same numbers so that 2601 can undo its messages too.
const (
	InfRegister    = "2201"
	InfCancelReg   = "2202"
	InfUpdate      = "2203"
	InfUploadOut   = "2204"
	InfRevokeOut   = "2205"
	InfSettleOut   = "2207"
	InfReverseOut  = "2208"
	InfUploadIn    = "2301"
	InfRevokeIn    = "2302"
	InfSettleIn    = "2304"
	InfReverseIn   = "2305"
	InfAdmit       = "2401"
	InfDischarge   = "2402"
	InfCancelAdmit = "2404"
	InfCompensate  = "2601"
)

var (
	errMsgReused = apperr.New(apperr.Conflict, "msgid_reused",
		"报文ID(msgid)已被另一笔不同内容的交易使用", "this msgid was already used by a different request")
	errMsgCompensated = apperr.New(apperr.Conflict, "msgid_compensated",
		"该报文已被冲正(2601),不能再处理", "this message was compensated (2601) and cannot be processed")
)

// effect is what a message did, for 2601.
type effect struct {
	typ string // visit, lines, settlement, reversal, ...
	id  int64
}

// message identifies one idempotent operation.
type message struct {
	inst  int64
	msgID string
	infno string
	hash  string
}

func newMessage(inst int64, msgID, infno string, req any) message {
	b, _ := json.Marshal(req)
	h := sha256.Sum256(append([]byte(infno+"\x00"), b...))
	return message{inst: inst, msgID: msgID, infno: infno, hash: hex.EncodeToString(h[:16])}
}

// once runs do in a transaction. With a msgid it is idempotent: the
// message row, with out as response, is inserted in the same transaction
// as do's effect, and its key (institution, msgid) admits one. The row is
// not looked up first — a new message is the common case, and that read
// would cost every request a round trip. A message already processed
// fails instead: its effect collides (lines already uploaded or settled,
// the visit number registered, the settlement reversed) or, at the
// latest, its message row does; the transaction rolls back and the stored
// response is returned in out (or msgid_reused / msgid_compensated). The
// same path returns the winner's response to a concurrent duplicate.
// On SQLite the transaction may share its commit with other messages
// arriving at the same moment (db.InTxGroup); each still succeeds or fails
// alone. A request nonce handed over with WithNonce is inserted first in the
// transaction; a replayed nonce fails the transaction and is never
// answered from the message row.
func (s *Service) once(ctx context.Context, m message, out any, do func(tx *db.Tx) (effect, error)) error {
	claim := nonceOf(ctx)
	err := s.db.InTxGroup(ctx, func(tx *db.Tx) error {
		if claim.Pending() { // the request's nonce, first: a replayed one changes nothing
			if err := claim.Insert(ctx, tx); err != nil {
				return err
			}
		}
		e, err := do(tx)
		if err != nil || m.msgID == "" {
			return err
		}
		return s.record(ctx, tx, m, msgDone, e, out)
	})
	if err == nil {
		if claim != nil {
			claim.Done()
		}
		return nil
	}
	if m.msgID != "" && !institution.IsReplay(err) {
		if found, rerr := s.replayFresh(ctx, m, out); found || rerr != nil {
			return rerr
		}
	}
	return err
}

type nonceKey struct{}

// WithNonce hands the service the nonce of the request being served (the
// HIS adapter's institution.VerifyDeferred): the first write transaction
// of the request inserts it before anything else, so that a request is
// one write transaction, not two, and a replayed nonce is refused
// (institution's nonce_reused) with nothing changed. After the call the
// caller records the claim itself if it is still pending (the request
// wrote nothing, or failed).
func WithNonce(ctx context.Context, c *institution.Claim) context.Context {
	return context.WithValue(ctx, nonceKey{}, c)
}

func nonceOf(ctx context.Context) *institution.Claim {
	c, _ := ctx.Value(nonceKey{}).(*institution.Claim)
	return c
}

// replayFresh is replay into a zeroed out (do may have filled it before
// failing).
func (s *Service) replayFresh(ctx context.Context, m message, out any) (bool, error) {
	if v := reflect.ValueOf(out); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero()
	}
	return s.replay(ctx, m, out)
}

// record inserts the message row. The answer of a settlement or reversal
// is not copied into the row (it is the settlement row's result_json,
// 4 KB with the trace): replay reads it from settlements by effect_id.
func (s *Service) record(ctx context.Context, tx *db.Tx, m message, status string, e effect, out any) error {
	resp := []byte{}
	if out != nil && !byReference(e.typ, out) {
		var err error
		if resp, err = json.Marshal(out); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO settle_messages (institution_id, msgid, infno, req_hash, status,
		effect_type, effect_id, response, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.inst, m.msgID, m.infno, m.hash, status, e.typ, e.id, string(resp), s.stamp())
	return err
}

// replay looks the message up: found and decoded into out, or refused
// (different request, compensated, tombstone), or not found.
func (s *Service) replay(ctx context.Context, m message, out any) (bool, error) {
	var infno, hash, status, resp, typ string
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT infno, req_hash, status, response, effect_type, effect_id FROM settle_messages
		WHERE institution_id = ? AND msgid = ?`, m.inst, m.msgID).Scan(&infno, &hash, &status, &resp, &typ, &id)
	switch {
	case db.IsNoRows(err):
		return false, nil
	case err != nil:
		return false, err
	case status == msgTombstone || status == msgCompensated:
		return true, errMsgCompensated
	case infno != m.infno || hash != m.hash:
		return true, errMsgReused
	}
	if st, ok := out.(*Settlement); ok && resp == "" && byReference(typ, out) {
		var err error
		*st, _, _, err = loadSettlement(ctx, s.db, m.inst, id)
		return true, err
	}
	if out != nil && resp != "" {
		if err := json.Unmarshal([]byte(resp), out); err != nil {
			return true, err
		}
	}
	return true, nil
}

// byReference reports whether a message's answer is kept by reference:
// a settlement or reversal, stored whole in its settlements row.
func byReference(effectType string, out any) bool {
	_, ok := out.(*Settlement)
	return ok && (effectType == "settlement" || effectType == "reversal")
}
