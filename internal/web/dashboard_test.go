package web

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/auth"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/demo"
	"ncms/internal/fund"
	"ncms/internal/httpx"
	"ncms/internal/institution"
)

// TestDashboard builds a small demo county and checks the dashboard: county
// staff get it as their home page, its figures are the fund report's, every
// chart has its table, ECharts is served from the binary; others get the
// plain home page.
func TestDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		key, _ := institution.NewKey(make([]byte, 32))
		res, err := demo.Run(context.Background(), d, demo.Options{Seed: 5, Size: 0.02, Key: key, BcryptCost: bcrypt.MinCost})
		if err != nil {
			t.Fatal(err)
		}
		pw := map[string]string{}
		for _, l := range res.Logins {
			pw[l.Username] = l.Password
		}
		con := New(Config{DB: d, Auth: auth.New(d, auth.Options{BcryptCost: bcrypt.MinCost})})
		srv := httptest.NewServer(httpx.Wrap(con, slog.New(slog.DiscardHandler)))
		defer srv.Close()
		app := &testApp{d: d, srv: srv}
		rep, err := fund.Build(context.Background(), d, time.Now().In(china).Year())
		if err != nil {
			t.Fatal(err)
		}
		c := app.client(t).login("director", pw["director"])
		r := c.get("/")
		if r.Status != 200 || !strings.Contains(r.Body, "基金运行概况") || !strings.Contains(r.Body, "欢迎") {
			t.Fatalf("director's home: %d %.300s", r.Status, r.Body)
		}
		for id, want := range map[string]string{
			"fund-raised":  fund.Yuan(rep.Allocation.Raised),
			"fund-usable":  fund.Yuan(rep.Allocation.Usable),
			"fund-spent":   fund.Yuan(rep.Spent),
			"fund-balance": fund.Yuan(rep.Balance),
		} {
			m := regexp.MustCompile(`id="` + id + `">([^<]*)<`).FindStringSubmatch(r.Body)
			if m == nil || m[1] != want {
				t.Errorf("%s = %v, want %s (fund report)", id, m, want)
			}
		}
		if rep.Spent <= 0 {
			t.Errorf("nothing spent: %s", rep.Spent)
		}
		// Every chart has a table with numbers; the months table has the
		// report's months with their actual spending.
		figs := strings.Count(r.Body, `<figure class="dash"`)
		if figs < 6 || strings.Count(r.Body, `<div class="chart"`) != figs {
			t.Errorf("%d figures", figs)
		}
		for _, id := range []string{"dash-fund", "dash-months", "dash-levels", "dash-kinds", "dash-layers", "dash-growth", "dash-cases", "dash-work"} {
			if !strings.Contains(r.Body, `<table id="`+id+`"`) {
				t.Errorf("no table %s", id)
			}
		}
		for _, m := range rep.Months {
			if m.Actual != 0 && !strings.Contains(r.Body, `data-v="`+m.Actual.String()+`">`+fund.Yuan(m.Actual)) {
				t.Errorf("month %s: actual %s not in the months table", m.Month, m.Actual)
			}
		}
		if !strings.Contains(r.Body, `/static/vendor/echarts/echarts.common.min.js`) || !strings.Contains(r.Body, `/static/dashboard.js`) {
			t.Error("the page does not load ECharts and dashboard.js")
		}
		if s := c.get("/static/vendor/echarts/echarts.common.min.js"); s.Status != 200 || !strings.Contains(s.Body, "echarts") {
			t.Errorf("vendored ECharts: %d", s.Status)
		}
		// A township clerk gets the plain home page.
		c = app.client(t).login("clerk", pw["clerk"])
		if r := c.get("/"); r.Status != 200 || strings.Contains(r.Body, "基金运行概况") {
			t.Errorf("clerk's home: %d", r.Status)
		}
	})
}
