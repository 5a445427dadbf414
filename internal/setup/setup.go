// Package setup makes a fresh database into an ncms installation: the
// installation facts (county code and name), the county root area and the
// first administrator, in one transaction with its audit row. `ncms init`
// calls it; so do the tests that need a ready county.
package setup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/audit"
	"ncms/internal/auth"
	"ncms/internal/db"
)

// provinces are the first two digits of GB/T 2260 codes.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true, "21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true, "71": true, "81": true, "82": true,
}

// CheckCountyCode validates a county-level GB/T 2260 code: six digits, a
// known province, and a county part that is not "00" (which would name a
// prefecture or a province).
func CheckCountyCode(code string) error {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return errors.New("county code must be 6 digits (GB/T 2260) / 县级区划代码须为6位数字")
	}
	if !provinces[code[:2]] {
		return fmt.Errorf("county code %s: no province %s in GB/T 2260 / 省级代码不存在", code, code[:2])
	}
	if code[4:] == "00" {
		return fmt.Errorf("county code %s names a prefecture or province, not a county / 该代码不是县级代码", code)
	}
	return nil
}

// ErrInitialized reports that init found an installation already.
var ErrInitialized = errors.New("already initialized")

// Input is what Initialize needs.
type Input struct {
	CountyCode string // GB/T 2260, 6 digits
	CountyName string
	Admin      string // username of the first administrator (default "admin")
	// AdminPassword sets the administrator's password (tests); empty
	// generates a strong one, returned by Initialize.
	AdminPassword string
	// Auth overrides the account service options (tests lower the bcrypt cost).
	Auth auth.Options
}

// Initialize writes, in one transaction, the installation facts, the
// county root area and the first administrator, and returns the
// administrator's password. On an initialized database it returns
// ErrInitialized and changes nothing.
func Initialize(ctx context.Context, d *db.DB, in Input) (string, error) {
	if err := CheckCountyCode(in.CountyCode); err != nil {
		return "", err
	}
	code, name, adminUser := in.CountyCode, strings.TrimSpace(in.CountyName), in.Admin
	if name == "" || len([]rune(name)) > 40 {
		return "", errors.New("the county name is required (at most 40 characters) / 请填写县名（最多40字）")
	}
	if adminUser == "" {
		adminUser = "admin"
	}
	svc := auth.New(d, in.Auth)
	ctx = access.WithActor(ctx, access.System("init"))
	var pw string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = 'initialized_at'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrInitialized
		}
		now := db.Timestamp(time.Now())
		for _, kv := range [][2]string{{"county_code", code}, {"county_name", name}, {"initialized_at", now}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, kv[0], kv[1]); err != nil {
				if db.IsUniqueViolation(err) {
					return ErrInitialized
				}
				return err
			}
		}
		areaID, err := tx.InsertID(ctx, `INSERT INTO areas (parent_id, level, code, name, path, created_at)
			VALUES (NULL, 'county', ?, ?, '', ?)`, code, name, now)
		if err != nil {
			return err
		}
		path := fmt.Sprintf("/%d/", areaID)
		if _, err := tx.ExecContext(ctx, `UPDATE areas SET path = ? WHERE id = ?`, path, areaID); err != nil {
			return err
		}
		u, generated, err := svc.CreateUserTx(ctx, tx, auth.UserInput{Username: adminUser,
			DisplayName: "县合管中心管理员", Role: access.Admin, AreaID: areaID, Password: in.AdminPassword})
		if err != nil {
			return err
		}
		pw = generated
		if in.AdminPassword != "" {
			pw = in.AdminPassword
		}
		// The operator running init is the administrator: no forced change.
		if err := svc.SetMustChange(ctx, tx, u.ID, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "system.init", "area", areaID, nil,
			map[string]any{"county_code": code, "county_name": name, "path": path, "admin": u.Username})
	})
	return pw, err
}
