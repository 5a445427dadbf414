package his

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"ncms/internal/apperr"
)

// Request is the national request envelope. Input is kept raw and decoded
// per transaction (numbers are read from their text, never through binary floating point).
type Request struct {
	Infno         string          `json:"infno"`
	MsgID         string          `json:"msgid"`
	MdtrtareaAdmv string          `json:"mdtrtarea_admvs"`
	InsuplcAdmdvs string          `json:"insuplc_admdvs"`
	RecerSysCode  string          `json:"recer_sys_code"`
	DevNo         string          `json:"dev_no"`
	DevSafeInfo   string          `json:"dev_safe_info"`
	CaInfo        string          `json:"cainfo"`
	SignType      string          `json:"signtype"`
	InfVer        string          `json:"infver"`
	OpterType     json.RawMessage `json:"opter_type"`
	Opter         string          `json:"opter"`
	OpterName     string          `json:"opter_name"`
	InfTime       string          `json:"inf_time"`
	FixmedinsCode string          `json:"fixmedins_code"`
	FixmedinsName string          `json:"fixmedins_name"`
	SignNo        string          `json:"sign_no"`
	Input         json.RawMessage `json:"input"`
}

// Response is the national response envelope.
type Response struct {
	InfCode     InfCode `json:"infcode"`
	InfRefMsgID string  `json:"inf_refmsgid"`
	RefMsgTime  string  `json:"refmsg_time"`
	RespondTime string  `json:"respond_time"`
	ErrMsg      string  `json:"err_msg"`
	Output      any     `json:"output"`
}

// InfCode is 0 (success) or -1 (failure). It is written as a number and
// read from a number or a string ("0", "-1"), as clients differ.
type InfCode int

// UnmarshalJSON accepts 0, -1, "0" and "-1".
func (c *InfCode) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("infcode %s is not a number", b)
	}
	*c = InfCode(n)
	return nil
}

// Time layouts of the interface.
const (
	msgTimeLayout = "20060102150405000" // refmsg_time, respond_time (yyyyMMddHHmmssSSS)
	idTimeLayout  = "20060102150405"    // time part of msgid / inf_refmsgid
	dayLayout     = "2006-01-02"
	timeLayout    = "2006-01-02 15:04:05"
)

// China is the time zone of every time the interface shows.
var China = time.FixedZone("CST", 8*3600)

// msgTime formats t as yyyyMMddHHmmssSSS in China.
func msgTime(t time.Time) string {
	t = t.In(China)
	return t.Format("20060102150405") + fmt.Sprintf("%03d", t.Nanosecond()/1e6)
}

// refIDs makes receiver message ids: area (6) + yyyyMMddHHmmss (14) +
// serial (10), 30 characters.
type refIDs struct {
	area string
	seq  atomic.Uint64
}

func (g *refIDs) next(t time.Time) string {
	n := g.seq.Add(1) % 10_000_000_000
	return g.area + t.In(China).Format(idTimeLayout) + fmt.Sprintf("%010d", n)
}

// fail builds the error answer of err: its Chinese and English text with
// every field problem.
func failText(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Error()
	}
	return err.Error()
}

// malformed is the error for a body that is not the envelope.
func malformed(detail string) *apperr.Error {
	return apperr.New(apperr.Invalid, "malformed", "报文不是有效的JSON: "+detail, "the message is not valid JSON: "+detail)
}
