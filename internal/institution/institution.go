// Package institution keeps the designated medical institutions (定点医疗机构,
// SPEC §5): their national code, level, location, agreement and network
// flags, bank account and dated status history, and the credentials their
// HIS uses to call the institution interface (paasid + secret, signature
// check with replay protection, rotation with a grace period).
//
// Reads are filtered by the actor's scope: an institution user sees only its
// own institution. Writes need the scheme administrator and are recorded in
// the audit trail in the same transaction. Errors a user can cause are
// *apperr.Error with field names, in Chinese and English.
package institution

import (
	"context"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
)

// DefaultGrace is how long a rotated secret keeps working.
const DefaultGrace = 24 * time.Hour

// Service manages institutions over one database.
type Service struct {
	db    *db.DB
	now   func() time.Time
	key   Key
	grace time.Duration
	prune pruneState
	// secrets caches decrypted HIS secrets (credentials.go, Service.open).
	secrets secretCache
}

// Options configure a Service.
type Options struct {
	// Key encrypts the HIS secrets at rest (see LoadKey). Required for
	// creating, rotating and verifying credentials.
	Key Key
	// Grace is how long the previous secret stays valid after a rotation
	// (default DefaultGrace).
	Grace time.Duration
	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
}

// New returns an institution service over d.
func New(d *db.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	return &Service{db: d, now: opt.Now, key: opt.Key, grace: opt.Grace}
}

// DB returns the database the service works on.
func (s *Service) DB() *db.DB { return s.db }

// China is the time zone in which "today" is reckoned (UTC+8).
var China = time.FixedZone("CST", 8*3600)

// Today returns the current day in China.
func (s *Service) Today() civil.Date { return civil.Of(s.now().In(China)) }

// Level is an institution's level. The codes are the vocabulary of the
// compensation schemes' `levels:` maps (schemes/*.yaml), passed unchanged to
// engine.Visit.Level; the scheme maps them to its level numbers.
type Level string

// The institution levels of SPEC §5.
const (
	Village  Level = "village"  // 村卫生室
	Township Level = "township" // 乡镇卫生院
	County   Level = "county"   // 县级医院
	City     Level = "city"     // 市级医院
	Province Level = "province" // 省级医院
)

// Levels lists the levels from the bottom up.
var Levels = []Level{Village, Township, County, City, Province}

// Valid reports whether l is one of Levels.
func (l Level) Valid() bool {
	for _, x := range Levels {
		if x == l {
			return true
		}
	}
	return false
}

// Label returns the level's Chinese and English names.
func (l Level) Label() (zh, en string) {
	switch l {
	case Village:
		return "村卫生室", "village clinic"
	case Township:
		return "乡镇卫生院", "township hospital"
	case County:
		return "县级医院", "county hospital"
	case City:
		return "市级医院", "city hospital"
	case Province:
		return "省级医院", "provincial hospital"
	}
	return string(l), string(l)
}

// ParseLevel reads a level code or its Chinese name (村, 乡镇, 县, 市, 省).
func ParseLevel(s string) (Level, bool) {
	switch s {
	case "village", "村", "村卫生室":
		return Village, true
	case "township", "乡", "乡镇", "乡镇卫生院":
		return Township, true
	case "county", "县", "县级":
		return County, true
	case "city", "市", "市级":
		return City, true
	case "province", "省", "省级":
		return Province, true
	}
	return "", false
}

// Status is an institution's standing.
type Status string

// The statuses. Withdrawn is final.
const (
	Active    Status = "active"    // 正常
	Suspended Status = "suspended" // 暂停
	Withdrawn Status = "withdrawn" // 退出
)

// Label returns the status's Chinese and English names.
func (st Status) Label() (zh, en string) {
	switch st {
	case Active:
		return "正常", "active"
	case Suspended:
		return "暂停", "suspended"
	case Withdrawn:
		return "已退出", "withdrawn"
	}
	return string(st), string(st)
}

// Institution is one designated institution.
type Institution struct {
	ID              int64      `json:"id"`
	Code            string     `json:"fixmedins_code"`
	Name            string     `json:"fixmedins_name"`
	Level           Level      `json:"level"`
	Private         bool       `json:"private"`
	AreaID          int64      `json:"area_id,omitempty"`
	InCounty        bool       `json:"in_county"`
	Agreement       bool       `json:"agreement"`
	Networked       bool       `json:"networked"`
	BankName        string     `json:"bank_name"`
	BankAccountName string     `json:"bank_account_name"`
	BankAccountNo   string     `json:"bank_account_no"`
	Status          Status     `json:"status"`
	StatusSince     civil.Date `json:"status_since"`
	PaasID          string     `json:"paasid"`
	Created         time.Time  `json:"created_at"`
	Updated         time.Time  `json:"updated_at"`
}

// Active reports whether the institution may settle.
func (in Institution) Active() bool { return in.Status == Active }

// StatusEvent is one entry of an institution's status history.
type StatusEvent struct {
	Status   Status     `json:"status"`
	Since    civil.Date `json:"since"`
	Reason   string     `json:"reason"`
	At       time.Time  `json:"at"`
	Username string     `json:"username"`
}

// Credentials are an institution's HIS credentials. The secret is shown
// once, when created or rotated; ncms cannot show it again.
type Credentials struct {
	Code   string `json:"fixmedins_code"`
	PaasID string `json:"paasid"`
	Secret string `json:"secret"`
}

var errNoActor = apperr.New(apperr.Unauthenticated, "no_actor", "未登录", "not authenticated")

// ErrNotFound is returned for an unknown institution or one outside the
// caller's scope.
var ErrNotFound = apperr.New(apperr.NotFound, "institution_not_found", "未找到该医疗机构", "institution not found")

func actorOf(ctx context.Context) (access.Actor, error) {
	a, ok := access.FromContext(ctx)
	if !ok {
		return a, errNoActor
	}
	return a, nil
}

// admin returns the actor if it may change institutions (the scheme
// administrator, county-wide).
func admin(ctx context.Context) (access.Actor, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return a, err
	}
	if !a.Can(access.Admin) || a.Scope.IsInstitution() {
		return a, apperr.New(apperr.Forbidden, "forbidden", "无权管理医疗机构", "not allowed to manage institutions")
	}
	return a, nil
}
