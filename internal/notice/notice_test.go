package notice_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
	"ncms/internal/notice"
	"ncms/internal/notice/noticetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = civil.MustParse(day).Time().Add(4 * time.Hour)
}

func as(username string, role access.Role, path string) context.Context {
	return access.WithActor(context.Background(), access.Actor{Username: username, Role: role, Scope: access.Scope{AreaPath: path}})
}

func county(c noticetest.County) string { return "/" + itoa(c.County) + "/" }

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Leaks reports every full ID number, phone number or diagnosis in s.
func leaks(s string, c noticetest.County) []string {
	var out []string
	out = append(out, regexp.MustCompile(`\d{17}[\dXx]`).FindAllString(s, -1)...)
	out = append(out, regexp.MustCompile(`1[3-9]\d{9}`).FindAllString(s, -1)...)
	for _, d := range noticetest.Diagnoses {
		if strings.Contains(s, d) {
			out = append(out, d)
		}
	}
	for _, p := range c.People {
		if strings.Contains(s, p.Name) && len([]rune(p.Name)) > 1 {
			out = append(out, "full name "+p.Name)
		}
	}
	return out
}

func TestThreeLevelNoticesAndWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := noticetest.Seed(t, d)
		ck := &clock{}
		ck.set("2026-01-31")
		s := notice.New(d, ck.now)
		path := county(c)
		fin := as("fiona", access.Finance, path)
		dir := as("dora", access.Director, path)
		insp := as("ivan", access.Inspector, path)

		if _, err := s.GenerateMonth(fin, "2026-01"); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("month not ended: %v", err)
		}
		ck.set("2026-02-03")
		if _, err := s.GenerateMonth(as("eve", access.Enrollment, path), "2026-01"); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("enrollment clerk generated notices: %v", err)
		}
		ns, err := s.GenerateMonth(fin, "2026-01")
		if err != nil {
			t.Fatal(err)
		}
		// county, 2 townships, 2 villages (the group has no notice of its own)
		byArea := map[int64]notice.Notice{}
		for _, n := range ns {
			byArea[n.AreaID] = n
		}
		if len(ns) != 5 {
			t.Fatalf("%d notices, want 5: %+v", len(ns), ns)
		}
		cn := byArea[c.County]
		// 3 settlements not reversed + 1 claim; the reversed one is left out.
		wantComp := money.Fen(864150 + 4400 + 210000 + 300000)
		if cn.Level != "county" || cn.People != 4 || cn.Compensation != wantComp {
			t.Errorf("county notice: %+v, want 4 rows, %s", cn, wantComp)
		}
		if v := byArea[c.Village]; v.Level != "village" || v.People != 3 {
			t.Errorf("village notice: %+v", v)
		}
		if tw := byArea[c.Township2]; tw.People != 1 || tw.Compensation != 210000 {
			t.Errorf("township 2 notice: %+v", tw)
		}
		n, rows, err := s.Get(fin, cn.ID)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal([]any{n, rows, n.Sums(rows)})
		if l := leaks(string(b), c); len(l) > 0 {
			t.Errorf("notice holds personal data: %v\n%s", l, b)
		}
		names := map[string]bool{}
		for _, r := range rows {
			names[r.Name] = true
		}
		for _, want := range []string{"张*明", "李*", "欧**明", "王*"} {
			if !names[want] {
				t.Errorf("no row for %s in %v", want, names)
			}
		}
		if sums := n.Sums(rows); len(sums) != 2 || sums[0].Area != "红果镇" || sums[0].People != 3 {
			t.Errorf("sums by township: %+v", sums)
		}
		if _, err := s.GenerateMonth(fin, "2026-01"); err != nil {
			t.Errorf("second run: %v", err)
		}
		if _, err := s.Generate(fin, "2026-01", c.County); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("generated twice: %v", err)
		}

		// Review: not by its maker; publish: reviewed first, at least 7 days, not in the past.
		if _, err := s.Review(as("fiona", access.Finance, path), cn.ID); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("maker reviewed own notice: %v", err)
		}
		today := civil.MustParse("2026-02-03")
		if _, err := s.Publish(dir, cn.ID, today, today.AddDays(6)); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("published a draft: %v", err)
		}
		if _, err := s.Review(insp, cn.ID); err != nil {
			t.Fatal(err)
		}
		for _, w := range [][2]civil.Date{{today, today.AddDays(5)}, {today.AddDays(-1), today.AddDays(6)}} {
			if _, err := s.Publish(dir, cn.ID, w[0], w[1]); apperr.KindOf(err) != apperr.Invalid {
				t.Errorf("window %v: %v", w, err)
			}
		}
		if _, err := s.Publish(insp, cn.ID, today, today.AddDays(6)); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("inspector published: %v", err)
		}
		if _, err := s.Publish(dir, cn.ID, today.AddDays(1), today.AddDays(7)); err != nil {
			t.Fatal(err)
		}
		// Public from the first to the last day, not before or after.
		for day, shown := range map[string]bool{"2026-02-03": false, "2026-02-04": true, "2026-02-10": true, "2026-02-11": false} {
			ck.set(day)
			list, _, err := s.PublicList(context.Background(), c.Village)
			if err != nil {
				t.Fatal(err)
			}
			_, _, gerr := s.PublicGet(context.Background(), cn.ID)
			if (len(list) == 1) != shown || (gerr == nil) != shown {
				t.Errorf("%s: public list %d, get %v; want shown=%v", day, len(list), gerr, shown)
			}
		}
		// Drafts are never public.
		if _, _, err := s.PublicGet(context.Background(), byArea[c.Village].ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("draft public: %v", err)
		}
		// Publishing wrote one message per listed person with a phone.
		var msgs int
		_ = d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox_messages WHERE kind = 'notice_published'`).Scan(&msgs)
		if msgs != 4 { // 张三明, 李四 (household phone), 欧阳小明, 王五
			t.Errorf("%d notice messages, want 4", msgs)
		}
		var bodies string
		rs, _ := d.QueryContext(context.Background(), `SELECT body FROM outbox_messages`)
		for rs.Next() {
			var b string
			_ = rs.Scan(&b)
			bodies += b + "\n"
		}
		rs.Close()
		if l := leaks(bodies, c); len(l) > 0 {
			t.Errorf("message bodies leak %v", l)
		}
		// Withdraw, then generate again.
		ck.set("2026-02-05")
		if _, err := s.Withdraw(dir, cn.ID, ""); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("withdraw without reason: %v", err)
		}
		if _, err := s.Withdraw(dir, cn.ID, "金额有误"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.PublicGet(context.Background(), cn.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("withdrawn notice still public: %v", err)
		}
		if _, err := s.Generate(fin, "2026-01", c.County); err != nil {
			t.Errorf("regenerate after withdrawal: %v", err)
		}
		// A township user sees only the township's notices.
		tw := as("tina", access.Enrollment, "/"+itoa(c.County)+"/"+itoa(c.Township2)+"/")
		list, err := s.List(tw, notice.Filter{})
		if err != nil || len(list) != 2 {
			t.Errorf("township list: %d, %v", len(list), err)
		}
		if _, _, err := s.Get(tw, cn.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("township user read the county notice: %v", err)
		}
	})
}

func TestFundNotice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := noticetest.Seed(t, d)
		ck := &clock{}
		ck.set("2026-02-03")
		s := notice.New(d, ck.now)
		fin := as("fiona", access.Finance, county(c))
		n, err := s.GenerateFund(fin, "2026-01")
		if err != nil {
			t.Fatal(err)
		}
		if n.Kind != notice.Fund || len(n.Lines) == 0 || !strings.Contains(n.Title, "基金收支公示") {
			t.Errorf("fund notice: %+v", n)
		}
		got, _, err := s.Get(fin, n.ID)
		if err != nil || len(got.Lines) != len(n.Lines) {
			t.Errorf("read back: %+v %v", got, err)
		}
		if _, err := s.GenerateFund(fin, "2026-01"); apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("fund notice twice: %v", err)
		}
	})
}

func TestLookupAndLimiter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := noticetest.Seed(t, d)
		s := notice.New(d, nil)
		p := c.People[0]
		if _, err := s.Lookup(context.Background(), p.IDNumber, "张三"); err != notice.ErrNoMatch {
			t.Errorf("wrong name: %v", err)
		}
		if _, err := s.Lookup(context.Background(), "520222199901011111", p.Name); err != notice.ErrNoMatch {
			t.Errorf("unknown ID: %v", err)
		}
		o, err := s.Lookup(context.Background(), strings.ToLower(p.IDNumber), " "+p.Name+" ")
		if err != nil {
			t.Fatal(err)
		}
		if o.Name != "张*明" || o.IDMasked != "5202**********123X" || o.Village != "沙坡村" || len(o.Enrollments) != 1 ||
			len(o.Visits) != 1 || len(o.Years) != 1 || o.Years[0].Compensation != 864150 {
			t.Errorf("own: %+v", o)
		}
		o, err = s.Lookup(context.Background(), c.People[2].IDNumber, c.People[2].Name)
		if err != nil || len(o.Visits) != 2 || len(o.Years) != 1 || o.Years[0].Visits != 1 {
			t.Errorf("reversed settlement and claim: %+v %v", o, err)
		}
		b, _ := json.Marshal(o)
		if l := leaks(string(b), c); len(l) > 0 {
			t.Errorf("lookup leaks %v", l)
		}
	})
	l := notice.NewLimiter(3, time.Minute)
	t0 := time.Now()
	for i := range 5 {
		if got := l.Allow("1.2.3.4", t0); got != (i < 3) {
			t.Errorf("attempt %d: %v", i, got)
		}
	}
	if !l.Allow("5.6.7.8", t0) || !l.Allow("1.2.3.4", t0.Add(time.Minute)) {
		t.Error("limit shared between keys or not reset after the window")
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张三明": "张*明", "李四": "李*", "欧阳小明": "欧**明", "王": "*", "": ""} {
		if got := notice.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSweepCompensationAndReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := noticetest.Seed(t, d)
		ck := &clock{}
		ck.set("2026-02-03")
		s := notice.New(d, ck.now)
		n, err := s.SweepCompensation(context.Background())
		if err != nil || n != 3 { // 3 settlements with a share (not the reversed one)
			t.Errorf("sweep: %d %v", n, err)
		}
		if n, err := s.SweepCompensation(context.Background()); err != nil || n != 0 {
			t.Errorf("second sweep: %d %v", n, err)
		}
		_, err = s.ContributionDue(as("fiona", access.Finance, county(c)), 2027, civil.MustParse("2026-12-31"))
		if err != nil {
			t.Fatal(err)
		}
		var due int
		_ = d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM outbox_messages WHERE kind = 'contribution_due'`).Scan(&due)
		if due != 2 {
			t.Errorf("%d reminders, want 2 households", due)
		}
	})
}
