package his_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"ncms/internal/access"
	"ncms/internal/db"
	"ncms/internal/his"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// world is the sandbox county served over real HTTP on 127.0.0.1.
type world struct {
	t       *testing.T
	d       *db.DB
	sb      *his.SandboxFile
	srv     *httptest.Server
	key     institution.Key
	clients map[string]*his.Client // by level: township, county, city
	ctx     context.Context        // county system actor
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	yaml, err := os.ReadFile("../../schemes/chongqing-2013.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key, err := institution.NewKey(b)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sb, err := his.CreateSandbox(ctx, d, his.SandboxOptions{SchemeFile: "chongqing-2013.yaml", SchemeYAML: yaml, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, sb: sb, key: key, clients: map[string]*his.Client{},
		ctx: access.WithActor(ctx, access.System("test"))}
	w.srv = httptest.NewServer(httpx.Wrap(his.New(his.Config{DB: d, Key: key}), slog.New(slog.DiscardHandler)))
	t.Cleanup(w.srv.Close)
	for _, in := range sb.Institutions {
		w.clients[in.Level] = &his.Client{BaseURL: w.srv.URL, Code: in.FixmedinsCode, Name: in.FixmedinsName,
			Area: sb.MdtrtareaAdmvs, PaasID: in.PaasID, Secret: in.Secret}
	}
	return w
}

// call sends infno and fails unless infcode is 0; it returns the output.
func (w *world) call(c *his.Client, infno string, input any) map[string]any {
	w.t.Helper()
	r, err := c.Call(context.Background(), infno, input)
	if err != nil {
		w.t.Fatalf("%s: %v", infno, err)
	}
	if r.Status != 200 || r.InfCode != 0 {
		w.t.Fatalf("%s: HTTP %d infcode %d: %s", infno, r.Status, r.InfCode, r.ErrMsg)
	}
	var out map[string]any
	if err := r.Decode(&out); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// person returns the sandbox person i of a tier.
func (w *world) person(tier, i int) his.SandboxPerson {
	for _, p := range w.sb.Persons {
		if p.Tier == tier {
			if i == 0 {
				return p
			}
			i--
		}
	}
	w.t.Fatalf("no person %d of tier %d", i, tier)
	return his.SandboxPerson{}
}

// settleSvc is a settlement service for checks (YTD, blocks).
func (w *world) settleSvc() *settle.Service { return settle.New(w.d, settle.Options{}) }

// fen reads an output amount (a JSON number kept as text) exactly.
func fen(t *testing.T, v any) money.Fen {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("amount %v (%T) is not a JSON number", v, v)
	}
	f, err := money.Parse(n.String())
	if err != nil {
		t.Fatalf("amount %s: %v", n, err)
	}
	return f
}

func obj(t *testing.T, v any, name string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)[name].(map[string]any)
	if !ok {
		t.Fatalf("no object %s in %v", name, v)
	}
	return m
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

// counts returns the row counts of every table a transaction may write
// (his_nonces, the replay cache, is left out).
func counts(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range []string{"visits", "fee_lines", "settlements", "settlement_funds", "settle_messages",
		"ytd_persons", "audit_log", "his_signins"} {
		var n int
		if err := d.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

func pretty(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return b.String()
}

var _ = strconv.Itoa

// jsonNum makes a bare JSON number from exact text (as HIS clients send).
func jsonNum(s string) json.Number { return json.Number(s) }
