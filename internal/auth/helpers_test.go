package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/db"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a county with two townships and a service on a test clock.
type fixture struct {
	d          *db.DB
	s          *Service
	clk        *clock
	county     int64
	townA      int64
	townB      int64
	sys        context.Context // the system actor (as ncms init)
	adminCtx   context.Context // a county administrator
	adminID    int64
	adminPW    string
	ctxBG      context.Context
	userSerial int
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, clk: &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}, ctxBG: context.Background()}
	f.s = New(d, Options{Now: f.clk.Now, BcryptCost: bcrypt.MinCost})
	f.county = f.area(t, 0, "county", "520222", "盘县")
	f.townA = f.area(t, f.county, "township", "520222100", "红果镇")
	f.townB = f.area(t, f.county, "township", "520222101", "柏果镇")
	f.sys = access.WithActor(context.Background(), access.System("test"))
	f.adminPW = "county-admin-pw"
	u, _, err := f.s.CreateUser(f.sys, UserInput{Username: "admin", DisplayName: "管理员", Role: access.Admin,
		AreaID: f.county, Password: f.adminPW})
	if err != nil {
		t.Fatalf("create admin: %v", err)
	}
	f.adminID = u.ID
	f.adminCtx = access.WithActor(context.Background(), principalOf(u, "10.0.0.1").Actor)
	return f
}

func (f *fixture) area(t *testing.T, parent int64, level, code, name string) int64 {
	t.Helper()
	var id int64
	err := f.d.InTx(context.Background(), func(tx *db.Tx) error {
		var p any
		if parent != 0 {
			p = parent
		}
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO areas (parent_id, level, code, name, path, created_at)
			VALUES (?, ?, ?, ?, '', ?)`, p, level, code, name, db.Timestamp(time.Now()))
		if err != nil {
			return err
		}
		var ppath string
		if parent != 0 {
			if err := tx.QueryRowContext(context.Background(), `SELECT path FROM areas WHERE id = ?`, parent).Scan(&ppath); err != nil {
				return err
			}
		} else {
			ppath = "/"
		}
		_, err = tx.ExecContext(context.Background(), `UPDATE areas SET path = ? WHERE id = ?`, fmt.Sprintf("%s%d/", ppath, id), id)
		return err
	})
	if err != nil {
		t.Fatalf("area %s: %v", name, err)
	}
	return id
}

// user creates a user with a known password and returns it with its actor context.
func (f *fixture) user(t *testing.T, role access.Role, area int64) (User, context.Context) {
	t.Helper()
	f.userSerial++
	u, _, err := f.s.CreateUser(f.adminCtx, UserInput{Username: fmt.Sprintf("user%d", f.userSerial),
		DisplayName: "用户", Role: role, AreaID: area, Password: "secret-pass-1"})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u, access.WithActor(context.Background(), principalOf(u, "10.0.0.2").Actor)
}

// wantCode fails unless err is an *apperr.Error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code {
		t.Fatalf("error = %v, want code %q", err, code)
	}
}

// wantField fails unless err is an Invalid error naming the field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid {
		t.Fatalf("error = %v, want an Invalid error on %q", err, field)
	}
	for _, fe := range e.Fields {
		if fe.Field == field {
			return
		}
	}
	t.Fatalf("error %v names no field %q", err, field)
}

// actions returns the audit actions recorded, oldest first.
func actions(t *testing.T, d *db.DB) []string {
	t.Helper()
	es, err := audit.List(context.Background(), d, audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e.Action
	}
	return out
}

func countAction(t *testing.T, d *db.DB, action string) int {
	n := 0
	for _, a := range actions(t, d) {
		if a == action {
			n++
		}
	}
	return n
}
