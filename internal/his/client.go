package his

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"ncms/internal/institution"
)

// Client calls the interface as a hospital's HIS does: it signs each
// request (x-tif-* headers) and wraps the input in the envelope. Tests,
// the docs' examples and the benchmark use it. Safe for concurrent use.
type Client struct {
	BaseURL string // "http://127.0.0.1:8080" (Prefix is added)
	Code    string // fixmedins_code
	Name    string // fixmedins_name
	Area    string // mdtrtarea_admvs
	PaasID  string
	Secret  string
	SignNo  string // from 9001, sent in later envelopes
	HTTP    *http.Client
	Now     func() time.Time
	seq     atomic.Uint64
}

// Reply is an answer as received.
type Reply struct {
	Status   int             // HTTP status
	InfCode  int             // 0 or -1
	ErrMsg   string          // err_msg
	RefMsgID string          // inf_refmsgid
	Output   json.RawMessage // output, numbers kept as text
	Body     []byte          // the whole body
}

// Envelope returns the request envelope for infno with msgid and input.
func (c *Client) Envelope(infno, msgid string, input any) map[string]any {
	now := c.now()
	return map[string]any{"infno": infno, "msgid": msgid, "mdtrtarea_admvs": c.Area, "insuplc_admdvs": "",
		"recer_sys_code": "NCMS", "dev_no": "", "dev_safe_info": "", "cainfo": "", "signtype": "", "infver": "V1.0",
		"opter_type": "1", "opter": "001", "opter_name": "收费员", "inf_time": now.In(China).Format(timeLayout),
		"fixmedins_code": c.Code, "fixmedins_name": c.Name, "sign_no": c.SignNo, "input": input}
}

// MsgID returns a new msgid: code (12) + yyyyMMddHHmmss + sequence (4),
// with the sequence continuing past 9999 (then longer than 30 characters
// is avoided by wrapping with the time).
func (c *Client) MsgID() string {
	n := c.seq.Add(1)
	t := c.now().Add(time.Duration(n/10000) * time.Second)
	return c.Code + t.In(China).Format(idTimeLayout) + fmt.Sprintf("%04d", n%10000)
}

// Call sends infno with a new msgid.
func (c *Client) Call(ctx context.Context, infno string, input any) (*Reply, error) {
	return c.Send(ctx, infno, c.MsgID(), input)
}

// Send sends infno with the given msgid (retries reuse one).
func (c *Client) Send(ctx context.Context, infno, msgid string, input any) (*Reply, error) {
	body, err := json.Marshal(c.Envelope(infno, msgid, input))
	if err != nil {
		return nil, err
	}
	return c.Post(ctx, "/callService/"+infno, body, c.Headers())
}

// Headers returns freshly signed authentication headers.
func (c *Client) Headers() http.Header {
	ts := strconv.FormatInt(c.now().Unix(), 10)
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	nonce := hex.EncodeToString(b)
	h := http.Header{}
	h.Set(HeaderPaasID, c.PaasID)
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignature, institution.Sign(ts, c.Secret, nonce))
	return h
}

// Post sends a raw body to path (below Prefix) with headers h.
func (c *Client) Post(ctx context.Context, path string, body []byte, h http.Header) (*Reply, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", c.BaseURL+Prefix+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := &Reply{Status: resp.StatusCode}
	if r.Body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	var env struct {
		InfCode     InfCode         `json:"infcode"`
		ErrMsg      string          `json:"err_msg"`
		InfRefMsgID string          `json:"inf_refmsgid"`
		Output      json.RawMessage `json:"output"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil {
		return r, fmt.Errorf("his client: answer is not an envelope (HTTP %d): %w", r.Status, err)
	}
	r.InfCode, r.ErrMsg, r.RefMsgID, r.Output = int(env.InfCode), env.ErrMsg, env.InfRefMsgID, env.Output
	return r, nil
}

// Decode reads the output into v with numbers as json.Number.
func (r *Reply) Decode(v any) error {
	dec := json.NewDecoder(bytes.NewReader(r.Output))
	dec.UseNumber()
	return dec.Decode(v)
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
