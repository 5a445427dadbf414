package his

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/institution"
)

// Header names of the provincial gateways' signature scheme.
const (
	HeaderPaasID    = "x-tif-paasid"
	HeaderTimestamp = "x-tif-timestamp"
	HeaderNonce     = "x-tif-nonce"
	HeaderSignature = "x-tif-signature"
)

// authenticate checks the signed headers (institution.Service.VerifyDeferred:
// signature, ±300 s window, institution active) and returns the nonce as a
// claim still to be recorded (serve records it before answering; a
// replayed nonce is refused then).
func (s *Service) authenticate(r *http.Request, now time.Time) (institution.Institution, *institution.Claim, error) {
	h := r.Header
	return s.inst.VerifyDeferred(r.Context(), h.Get(HeaderPaasID), h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature), now)
}

// inTxNonce are the transactions whose every write is one transaction of
// the settlement service (settle's once): their nonce is inserted in that
// transaction (settle.WithNonce), so a 2207 is one write transaction, not
// two. Every other transaction records the nonce first, in its own write,
// as before (9001 writes a sign-in; the rest only read).
var inTxNonce = map[string]bool{
	"2201": true, "2202": true, "2203": true, "2204": true, "2205": true, "2207": true, "2208": true,
	"2301": true, "2302": true, "2304": true, "2305": true, "2401": true, "2402": true, "2404": true, "2601": true,
}

var (
	errInfnoMismatch = apperr.Field("infno", "infno_mismatch", "报文中的交易编号与地址中的不一致",
		"the envelope's infno differs from the one in the URL")
	errOtherInstitution = apperr.New(apperr.Forbidden, "fixmedins_code",
		"fixmedins_code 与认证的定点医疗机构不一致", "fixmedins_code is not the authenticated institution's code")
	errTooLarge = apperr.New(apperr.TooLarge, "too_large", "报文过大(上限4MB)", "the message is too large (limit 4 MB)")
)

// readEnvelope reads and checks the envelope: JSON object, infno (from the
// body or the path; both must agree), msgid, and fixmedins_code equal to
// the authenticated institution's.
func readEnvelope(r *http.Request, in institution.Institution) (*Request, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge
		}
		return nil, malformed("read failed")
	}
	var req Request
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return nil, malformed(jsonDetail(err))
	}
	if dec.More() {
		return nil, malformed("trailing data / 多余内容")
	}
	if p := r.PathValue("infno"); p != "" {
		if req.Infno != "" && req.Infno != p {
			return nil, errInfnoMismatch
		}
		req.Infno = p
	}
	var c apperr.Collector
	if req.Infno == "" {
		c.AddField("infno", "required", "缺少交易编号", "infno is missing")
	}
	if req.MsgID == "" || len(req.MsgID) > 30 || !printable(req.MsgID) {
		c.AddField("msgid", "msgid", "报文ID缺失或无效(最多30位)", "msgid missing or invalid (at most 30 characters)")
	}
	if req.FixmedinsCode == "" {
		c.AddField("fixmedins_code", "required", "缺少定点医药机构编号", "fixmedins_code is missing")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if req.FixmedinsCode != in.Code {
		return nil, errOtherInstitution
	}
	return &req, nil
}

// jsonDetail describes a JSON syntax or type error without echoing input.
func jsonDetail(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + itoa(se.Offset) + " / 第" + itoa(se.Offset) + "字节处语法错误"
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type / 字段 " + te.Field + " 类型错误"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or truncated / 内容为空或不完整"
	}
	return "not a JSON object / 不是JSON对象"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
