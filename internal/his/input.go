package his

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/money"
)

// obj reads the fields of one input node strictly: a missing required
// field or a value of the wrong type is recorded in the shared collector
// under the field's path ("feedetail[2].cnt"). Unknown fields are ignored
// (HIS clients send many optional ones); known fields are never guessed.
type obj struct {
	path string
	m    map[string]json.RawMessage
	c    *apperr.Collector
}

// decodeInput splits the envelope's input into its nodes.
func decodeInput(raw json.RawMessage, c *apperr.Collector) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		c.AddField("input", "required", "缺少 input", "input is missing")
		return m
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		c.AddField("input", "type", "input 应为对象", "input must be an object")
	}
	return m
}

// node returns input node name as an object (nil and an error recorded when
// it is missing or not an object).
func node(in map[string]json.RawMessage, name string, c *apperr.Collector) *obj {
	raw, ok := in[name]
	if !ok || isNull(raw) {
		c.AddField(name, "required", "缺少节点 "+name, "node "+name+" is missing")
		return nil
	}
	return asObj(name, raw, c)
}

// list returns input node name as a list of objects (a single object is
// accepted as a list of one, as some clients send it).
func list(in map[string]json.RawMessage, name string, required bool, c *apperr.Collector) []*obj {
	raw, ok := in[name]
	if !ok || isNull(raw) {
		if required {
			c.AddField(name, "required", "缺少节点 "+name, "node "+name+" is missing")
		}
		return nil
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		if o := asObj(name+"[0]", raw, c); o != nil {
			return []*obj{o}
		}
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		c.AddField(name, "type", name+" 应为数组", name+" must be an array")
		return nil
	}
	out := make([]*obj, 0, len(items))
	for i, it := range items {
		if o := asObj(name+"["+strconv.Itoa(i)+"]", it, c); o != nil {
			out = append(out, o)
		}
	}
	return out
}

func asObj(path string, raw json.RawMessage, c *apperr.Collector) *obj {
	o := &obj{path: path, c: c}
	if err := json.Unmarshal(raw, &o.m); err != nil || o.m == nil {
		c.AddField(path, "type", path+" 应为对象", path+" must be an object")
		return nil
	}
	return o
}

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

func (o *obj) field(name string) string { return o.path + "." + name }

func (o *obj) bad(name, code, zh, en string) {
	o.c.AddField(o.field(name), code, zh, en)
}

// text returns the field's scalar text: a JSON string's content or a
// number's literal text. ok is false when the field is absent or null
// (recorded when required) or not a scalar (recorded).
func (o *obj) text(name string, required bool) (string, bool) {
	if o == nil {
		return "", false
	}
	raw, present := o.m[name]
	if !present || isNull(raw) {
		if required {
			o.bad(name, "required", "缺少必填字段", "required field is missing")
		}
		return "", false
	}
	raw = bytes.TrimSpace(raw)
	switch {
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			o.bad(name, "type", "字符串格式错误", "malformed string")
			return "", false
		}
		s = strings.TrimSpace(s)
		if s == "" && required {
			o.bad(name, "required", "必填字段为空", "required field is empty")
			return "", false
		}
		return s, s != ""
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		return string(raw), true
	}
	o.bad(name, "type", "应为字符串或数字", "must be a string or a number")
	return "", false
}

// str reads a string of at most max characters.
func (o *obj) str(name string, required bool, max int) string {
	s, ok := o.text(name, required)
	if ok && len([]rune(s)) > max {
		o.bad(name, "too_long", "长度超过"+strconv.Itoa(max)+"个字符", "longer than "+strconv.Itoa(max)+" characters")
	}
	return s
}

// id reads a positive integer id (psn_no, mdtrt_id, setl_id) given as
// digits in a string or a number.
func (o *obj) id(name string, required bool) int64 {
	s, ok := o.text(name, required)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		o.bad(name, "id", "应为正整数编号", "must be a positive whole number")
		return 0
	}
	return n
}

// code reads a short code that must be one of allowed (when given).
func (o *obj) code(name string, required bool, allowed ...string) string {
	s, ok := o.text(name, required)
	if !ok {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	o.bad(name, "code", "取值应为 "+strings.Join(allowed, "、"), "must be one of "+strings.Join(allowed, ", "))
	return ""
}

// amount reads an amount in yuan with at most 2 decimals; negative amounts
// are refused unless neg.
func (o *obj) amount(name string, required, neg bool) money.Fen {
	s, ok := o.text(name, required)
	if !ok {
		return 0
	}
	f, err := money.Parse(s)
	switch {
	case errors.Is(err, money.ErrPrecision):
		o.bad(name, "precision", "金额小数位超过2位", "more than 2 decimal places")
	case err != nil:
		o.bad(name, "amount", "金额格式错误(应为最多2位小数的数字)", "not an amount (a number with at most 2 decimals)")
	case f < 0 && !neg:
		o.bad(name, "negative", "金额不能为负", "must not be negative")
	default:
		return f
	}
	return 0
}

// qty reads a quantity (at most 4 decimals, sign allowed: refunds).
func (o *obj) qty(name string, required bool) engine.Qty {
	s, ok := o.text(name, required)
	if !ok {
		return 0
	}
	q, err := engine.ParseQty(s)
	if err != nil {
		o.bad(name, "qty", "数量格式错误(最多4位小数)", "not a quantity (at most 4 decimals)")
	}
	return q
}

// price reads a unit price (at most 6 decimals, not negative).
func (o *obj) price(name string, required bool) engine.Price {
	s, ok := o.text(name, required)
	if !ok {
		return 0
	}
	p, err := engine.ParsePrice(s)
	switch {
	case err != nil:
		o.bad(name, "price", "单价格式错误(最多6位小数)", "not a unit price (at most 6 decimals)")
	case p < 0:
		o.bad(name, "negative", "单价不能为负", "must not be negative")
	}
	return p
}

// date reads "yyyy-MM-dd" or "yyyy-MM-dd HH:mm:ss" as a day.
func (o *obj) date(name string, required bool) civil.Date {
	s, ok := o.text(name, required)
	if !ok {
		return civil.Date{}
	}
	layout := dayLayout
	if len(s) > len(dayLayout) {
		layout = timeLayout
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		o.bad(name, "date", "日期格式应为 yyyy-MM-dd 或 yyyy-MM-dd HH:mm:ss", "date must be yyyy-MM-dd or yyyy-MM-dd HH:mm:ss")
		return civil.Date{}
	}
	return civil.Of(t)
}

// small reads a small whole number (flags).
func (o *obj) small(name string, required bool, min, max int) int {
	s, ok := o.text(name, required)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		o.bad(name, "range", "应为 "+strconv.Itoa(min)+" 至 "+strconv.Itoa(max)+" 的整数",
			"must be a whole number from "+strconv.Itoa(min)+" to "+strconv.Itoa(max))
	}
	return n
}
