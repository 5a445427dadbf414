package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ncms/internal/db/dbtest"
)

// demoArgs build a small county quickly (the flags of both runs below).
var demoArgs = []string{"demo", "--seed", "9", "--size", "0.02", "--outpatient", "0.2", "--workers", "2"}

// TestDemoServesWhileBuilding: `ncms demo` serves the console once the
// county's people are enrolled, while the year is still being settled;
// every page says so in a banner, the users can log in and open the
// dashboard; the banner goes when the county is complete, and the finished
// county has the totals of a --no-serve build with the same seed.
func TestDemoServesWhileBuilding(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two counties")
	}
	ctx := context.Background()
	// The reference: built and exited.
	refDSN := dbtest.SQLiteDSN(t)
	var refOut, refErr syncBuffer
	if code := dispatch(ctx, append(demoArgs, "--db", refDSN, "--no-serve"), &refOut, &refErr); code != 0 {
		t.Fatalf("demo --no-serve: exit %d: %s", code, refErr.String())
	}
	if !strings.Contains(refOut.String(), "Serve it with") || !strings.Contains(refOut.String(), "director") {
		t.Errorf("--no-serve printed:\n%s", refOut.String())
	}

	// Served: hold the build after January's visits until the console has
	// been used.
	reached, release := make(chan struct{}), make(chan struct{})
	demoSettledHook = func(m time.Month) {
		if m == time.January {
			close(reached)
			<-release
		}
	}
	defer func() { demoSettledHook = nil }()
	dsn := dbtest.SQLiteDSN(t)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- dispatch(sctx, append(demoArgs, "--db", dsn, "--addr", "127.0.0.1:0"), stdout, stderr) }()
	select {
	case <-reached:
	case code := <-done:
		t.Fatalf("demo exited %d before serving: %s", code, stderr.String())
	case <-time.After(5 * time.Minute):
		t.Fatal("the build never reached January's end")
	}
	out := stdout.String()
	base := regexp.MustCompile(`Open (http://\S+) and log in`).FindStringSubmatch(out)
	pw := regexp.MustCompile(`(?m)^\s+director\s+director\s+(\S+)`).FindStringSubmatch(out)
	if base == nil || pw == nil {
		close(release)
		t.Fatalf("no URL or director's login printed before the year was settled:\n%s", out)
	}
	if strings.Contains(out, "The county is complete") {
		t.Errorf("the county was reported complete while it was held after January:\n%s", out)
	}

	c := newDemoClient(t, base[1])
	c.login("director", pw[1])
	res, body := c.get("/")
	if res != http.StatusOK {
		t.Fatalf("dashboard while building: %d: %s", res, body)
	}
	for _, want := range []string{`id="demo-banner"`, "演示县正在生成：已结算至 1 月", "visits settled through month 1"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard while building: no %q", want)
		}
	}
	close(release)

	// Wait for the county to be complete: the banner goes.
	deadline := time.Now().Add(5 * time.Minute)
	for !strings.Contains(stdout.String(), "The county is complete") {
		if time.Now().After(deadline) {
			t.Fatalf("not complete after 5 minutes:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if res, body := c.get("/"); res != http.StatusOK || strings.Contains(body, "demo-banner") {
		t.Errorf("dashboard when complete: %d, banner still shown: %v", res, strings.Contains(body, "demo-banner"))
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("demo exit %d: %s", code, stderr.String())
		}
	case <-time.After(35 * time.Second):
		t.Fatal("demo did not shut down")
	}
	if strings.Contains(stderr.String(), "level=ERROR") {
		t.Errorf("errors logged while serving during the build:\n%s", stderr.String())
	}
	a, b := demoTotals(t, refDSN), demoTotals(t, dsn)
	if strings.HasPrefix(a, "0 ") {
		t.Fatalf("the reference county settled nothing:\n%s", a)
	}
	if a != b {
		t.Errorf("served build's totals differ from the --no-serve build's:\n%s\nvs\n%s", b, a)
	}
}

// demoTotals sums what the year produced: settlements and their money,
// manual claims, statements, ledger postings.
func demoTotals(t *testing.T, dsn string) string {
	t.Helper()
	return queryText(t, dsn,
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(medfee_sumamt), 0) || ' ' || COALESCE(SUM(fund_pay_sumamt), 0) || ' ' || COALESCE(SUM(hifmi_pay), 0) FROM settlements`,
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(settlements), 0) || ' ' || COALESCE(SUM(advanced), 0) FROM statements`,
		`SELECT COUNT(*) || ' ' || stage || ' ' || SUM(fund_pay_sumamt) FROM claims GROUP BY stage ORDER BY stage`,
		`SELECT COUNT(*) || ' ' || COALESCE(SUM(debit), 0) FROM ledger_postings`)
}

// demoClient is a browser-like client: cookies, no redirects followed.
type demoClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newDemoClient(t *testing.T, base string) *demoClient {
	jar, _ := cookiejar.New(nil)
	return &demoClient{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *demoClient) get(path string) (int, string) {
	c.t.Helper()
	res, err := c.hc.Get(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// login opens the login page (its CSRF cookie) and logs in.
func (c *demoClient) login(user, pass string) {
	c.t.Helper()
	if code, body := c.get("/login"); code != http.StatusOK {
		c.t.Fatalf("login page: %d: %s", code, body)
	}
	u, _ := url.Parse(c.base)
	var tok string
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "ncms_csrf" {
			tok = ck.Value
		}
	}
	res, err := c.hc.PostForm(c.base+"/login", url.Values{"username": {user}, "password": {pass}, "csrf_token": {tok}})
	if err != nil {
		c.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s while building: %d: %s", user, res.StatusCode, body)
	}
}
