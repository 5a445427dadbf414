package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var listenRE = regexp.MustCompile(`listening on (http://\S+)`)

// snapshot describes what init writes, to show a second init changes nothing.
func snapshot(t *testing.T, dsn string) string {
	t.Helper()
	return queryText(t, dsn,
		`SELECT key || '=' || value FROM meta ORDER BY key`,
		`SELECT code || ' ' || name || ' ' || path FROM areas ORDER BY id`,
		`SELECT username || ' ' || role || ' ' || password_hash FROM users ORDER BY id`,
		`SELECT action || ' ' || object_type || ' ' || object_id FROM audit_log ORDER BY id`)
}

// queryText opens dsn and returns every row of the queries (one text
// column each), a line a row, in order.
func queryText(t *testing.T, dsn string, queries ...string) string {
	t.Helper()
	d, err := db.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var b strings.Builder
	for _, q := range queries {
		rows, err := d.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		rows.Close()
	}
	return b.String()
}

func TestInitThenServe(t *testing.T) {
	for _, c := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return dbtest.SQLiteDSN(t) }},
		{"postgres", func(t *testing.T) string { return dbtest.PostgresDSN(t) }},
	} {
		t.Run(c.name, func(t *testing.T) { initThenServe(t, c.dsn(t)) })
	}
}

func initThenServe(t *testing.T, dsn string) {
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := dispatch(ctx, []string{"init", "--db", dsn, "--county-code", "520222", "--county-name", "盘县"}, &out, &errb); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errb.String())
	}
	pw := regexp.MustCompile(`password / 密码: (\S+)`).FindStringSubmatch(out.String())
	if pw == nil || len(pw[1]) != 16 {
		t.Fatalf("no password printed: %s", out.String())
	}
	before := snapshot(t, dsn)
	if !strings.Contains(before, "county_code=520222") || !strings.Contains(before, "admin admin $2") ||
		!strings.Contains(before, "system.init area") || !strings.Contains(before, "520222 盘县 /1/") {
		t.Fatalf("after init:\n%s", before)
	}
	// A second init says so, exits 1 and changes nothing.
	out.Reset()
	errb.Reset()
	if code := dispatch(ctx, []string{"init", "--db", dsn, "--county-code", "520222", "--county-name", "盘县"}, &out, &errb); code != 1 {
		t.Fatalf("second init: exit %d", code)
	}
	if !strings.Contains(errb.String(), "already initialized") {
		t.Errorf("second init said: %s", errb.String())
	}
	if after := snapshot(t, dsn); after != before {
		t.Fatalf("second init changed the database:\n%s\nvs\n%s", before, after)
	}
	// Serve on a free loopback port and ask /healthz.
	sctx, stop := context.WithCancel(ctx)
	stdout := &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- dispatch(sctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, stdout, io.Discard)
	}()
	var base string
	for i := 0; i < 100 && base == ""; i++ {
		if m := listenRE.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	if base == "" {
		stop()
		t.Fatal("serve did not start")
	}
	// The first answers may come while the server's background workers open
	// their connections on a loaded machine (healthz answers 503 when the
	// database does not answer within 2 s): wait up to 15 s for 200.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
	}
	for _, p := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/login", 200}, {"/api/v1/me", 401}, {"/static/app.css", 200}} {
		res, err := http.Get(base + p.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != p.want {
			t.Errorf("GET %s: %d, want %d: %s", p.path, res.StatusCode, p.want, body)
		}
		if p.path == "/healthz" && !strings.Contains(string(body), `"status":"ok"`) {
			t.Errorf("healthz: %s", body)
		}
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit %d", code)
		}
	case <-time.After(35 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

func TestInitRefusesBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--county-code", "52022", "--county-name", "x"},
		{"--county-code", "5202222", "--county-name", "x"},
		{"--county-code", "990222", "--county-name", "x"},
		{"--county-code", "520200", "--county-name", "x"},
		{"--county-code", "52a222", "--county-name", "x"},
		{"--county-code", "520222", "--county-name", " "},
	} {
		var errb bytes.Buffer
		dsn := dbtest.SQLiteDSN(t)
		if code := dispatch(context.Background(), append([]string{"init", "--db", dsn}, args...), io.Discard, &errb); code != 2 {
			t.Errorf("%v: exit %d (%s)", args, code, errb.String())
		}
	}
}
