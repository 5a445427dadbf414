package main

import (
	"context"
	"errors"
	"fmt"
	"io"
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

// checkCountyCode validates a county-level GB/T 2260 code: six digits, a
// known province, and a county part that is not "00" (which would name a
// prefecture or a province).
func checkCountyCode(code string) error {
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

// errInitialized reports that init found an installation already.
var errInitialized = errors.New("already initialized")

func runInit(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("init", stderr)
	code := fs.String("county-code", "", "county division code, 6 digits (GB/T 2260), e.g. 520222")
	name := fs.String("county-name", "", "county name, e.g. 盘县")
	adminUser := fs.String("admin", "admin", "username of the first administrator")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	*name = strings.TrimSpace(*name)
	if err := checkCountyCode(*code); err != nil {
		fmt.Fprintf(stderr, "ncms init: %v\n", err)
		return 2
	}
	if *name == "" || len([]rune(*name)) > 40 {
		fmt.Fprintln(stderr, "ncms init: --county-name is required (at most 40 characters) / 请填写县名")
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	pw, err := initialize(ctx, d, *code, *name, *adminUser)
	if errors.Is(err, errInitialized) {
		fmt.Fprintf(stderr, "ncms init: the database is already initialized; nothing changed / 数据库已初始化，未作任何修改\n")
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "ncms init: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "ncms initialized for %s (%s) / 初始化完成\n", *name, *code)
	fmt.Fprintf(stdout, "administrator / 管理员: %s\npassword / 密码: %s\n", auth.NormalizeUsername(*adminUser), pw)
	fmt.Fprintln(stdout, "The password is shown only this once: keep it safe. / 密码只显示这一次，请妥善保管。")
	return 0
}

// initialize writes, in one transaction, the installation facts, the
// county root area and the first administrator, and returns the
// administrator's generated password.
func initialize(ctx context.Context, d *db.DB, code, name, adminUser string) (string, error) {
	svc := auth.New(d, auth.Options{})
	ctx = access.WithActor(ctx, access.System("init"))
	var pw string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM meta WHERE key = 'initialized_at'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errInitialized
		}
		now := db.Timestamp(time.Now())
		for _, kv := range [][2]string{{"county_code", code}, {"county_name", name}, {"initialized_at", now}} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)`, kv[0], kv[1]); err != nil {
				if db.IsUniqueViolation(err) {
					return errInitialized
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
			DisplayName: "县合管中心管理员", Role: access.Admin, AreaID: areaID})
		if err != nil {
			return err
		}
		pw = generated
		// The operator running init is the administrator: no forced change.
		if err := svc.SetMustChange(ctx, tx, u.ID, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "system.init", "area", areaID, nil,
			map[string]any{"county_code": code, "county_name": name, "path": path, "admin": u.Username})
	})
	return pw, err
}
