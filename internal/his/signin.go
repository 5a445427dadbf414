package his

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// signIn is 9001: records the operator's sign-in and returns sign_no
// (yyyyMMddHHmmss + 16 random hex digits, 30 characters). sign_no is
// recorded, not enforced on later calls (the signature authenticates).
func (s *Service) signIn(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	in := cl.input(&c)
	o := node(in, "signIn", &c)
	if o == nil && in["signin"] != nil {
		c = apperr.Collector{}
		o = node(in, "signin", &c)
	}
	opter := o.str("opter_no", true, 30)
	mac := o.str("mac", false, 50)
	ip := o.str("ip", false, 50)
	if err := c.Err(); err != nil {
		return nil, err
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	no := cl.at.In(China).Format(idTimeLayout) + hex.EncodeToString(b)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		id, err := tx.InsertID(ctx, `INSERT INTO his_signins (institution_id, sign_no, opter_no, mac, ip, sign_time)
			VALUES (?, ?, ?, ?, ?, ?)`, cl.inst.ID, no, opter, mac, ip, db.Timestamp(cl.at))
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, "his.signin", "his_signin", id, nil, map[string]string{"sign_no": no, "opter_no": opter})
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"signinoutb": map[string]string{"sign_time": cl.at.In(China).Format(timeLayout), "sign_no": no}}, nil
}
