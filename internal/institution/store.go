package institution

import (
	"context"
	"fmt"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
)

const cols = `id, code, name, level, private, COALESCE(area_id, 0), in_county, agreement, networked,
	bank_name, bank_account_name, bank_account_no, status, status_since, paasid, created_at, updated_at`

func scan(row interface{ Scan(...any) error }) (Institution, error) {
	var in Institution
	var created, updated string
	err := row.Scan(&in.ID, &in.Code, &in.Name, &in.Level, &in.Private, &in.AreaID, &in.InCounty,
		&in.Agreement, &in.Networked, &in.BankName, &in.BankAccountName, &in.BankAccountNo,
		&in.Status, &in.StatusSince, &in.PaasID, &created, &updated)
	in.Created, _ = db.ParseTimestamp(created)
	in.Updated, _ = db.ParseTimestamp(updated)
	return in, err
}

// Load returns an institution by id without any scope check, for services
// that have already authorised the caller (settlement, HIS adapter, auth).
func Load(ctx context.Context, q db.Querier, id int64) (Institution, error) {
	in, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM institutions WHERE id = ?`, id))
	if db.IsNoRows(err) {
		return in, ErrNotFound
	}
	return in, err
}

// LoadByCode returns an institution by its national code, without scope check.
func LoadByCode(ctx context.Context, q db.Querier, code string) (Institution, error) {
	in, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM institutions WHERE code = ?`, strings.ToUpper(strings.TrimSpace(code))))
	if db.IsNoRows(err) {
		return in, ErrNotFound
	}
	return in, err
}

// Get returns an institution the actor may see.
func (s *Service) Get(ctx context.Context, id int64) (Institution, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return Institution{}, err
	}
	if !a.Scope.CoversInstitution(id) {
		return Institution{}, ErrNotFound
	}
	return Load(ctx, s.db, id)
}

// ByCode returns an institution the actor may see, by its national code.
func (s *Service) ByCode(ctx context.Context, code string) (Institution, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return Institution{}, err
	}
	in, err := LoadByCode(ctx, s.db, code)
	if err == nil && !a.Scope.CoversInstitution(in.ID) {
		return Institution{}, ErrNotFound
	}
	return in, err
}

// Filter selects institutions for List.
type Filter struct {
	Query  string // part of the code or name
	Level  Level
	Status Status
	// InCounty, when set, keeps only in-county (true) or out-of-county
	// (false) institutions.
	InCounty *bool
	Limit    int // default 50, at most 500
	Offset   int
}

// List returns the institutions the actor may see, by code, and how many
// match in all.
func (s *Service) List(ctx context.Context, f Filter) ([]Institution, int, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, 0, err
	}
	where, args := "1 = 1", []any{}
	if a.Scope.IsInstitution() {
		where += " AND id = ?"
		args = append(args, a.Scope.InstitutionID)
	} else if a.Scope.AreaPath == "" {
		return nil, 0, nil
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where += ` AND (code LIKE ? ESCAPE '\' OR name LIKE ? ESCAPE '\')`
		p := "%" + likeEscape(q) + "%"
		args = append(args, strings.ToUpper(p), p)
	}
	if f.Level != "" {
		where += " AND level = ?"
		args = append(args, string(f.Level))
	}
	if f.Status != "" {
		where += " AND status = ?"
		args = append(args, string(f.Status))
	}
	if f.InCounty != nil {
		where += " AND in_county = ?"
		args = append(args, *f.InCounty)
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM institutions WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+cols+` FROM institutions WHERE `+where+
		fmt.Sprintf(` ORDER BY code LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Institution
	for rows.Next() {
		in, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, in)
	}
	return out, total, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Create registers an institution, active from today, with new HIS
// credentials. The returned Credentials hold the only copy of the secret
// that will ever be shown.
func (s *Service) Create(ctx context.Context, in Input) (Institution, Credentials, error) {
	if _, err := admin(ctx); err != nil {
		return Institution{}, Credentials{}, err
	}
	if err := in.validate(); err != nil {
		return Institution{}, Credentials{}, err
	}
	var out Institution
	var cred Credentials
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if err := resolveArea(ctx, tx, &in); err != nil {
			return err
		}
		now, today := db.Timestamp(s.now()), s.Today()
		cred = Credentials{Code: in.Code, PaasID: "ncms" + randomHex(8), Secret: randomHex(32)}
		id, err := tx.InsertID(ctx, `INSERT INTO institutions (code, name, level, private, area_id, in_county,
			agreement, networked, bank_name, bank_account_name, bank_account_no, status, status_since, paasid,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)`,
			in.Code, in.Name, string(in.Level), in.Private, nullID(in.AreaID), in.InCounty, in.Agreement,
			in.Networked, in.BankName, in.BankAccountName, in.BankAccountNo, today, cred.PaasID, now, now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("fixmedins_code", "duplicate", "该机构编码已登记", "an institution with this code exists")
		}
		if err != nil {
			return err
		}
		if err := s.addSecret(ctx, tx, id, in.Code, cred.Secret); err != nil {
			return err
		}
		if err := s.addStatus(ctx, tx, id, Active, today, "新增 / created"); err != nil {
			return err
		}
		if out, err = Load(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "institution.create", "institution", id, nil, auditView(out))
	})
	if err != nil {
		return Institution{}, Credentials{}, err
	}
	return out, cred, nil
}

// Update changes an institution's details. The code is its identity at the
// HIS interface and cannot change; status changes go through SetStatus.
func (s *Service) Update(ctx context.Context, id int64, in Input) (Institution, error) {
	if _, err := admin(ctx); err != nil {
		return Institution{}, err
	}
	if err := in.validate(); err != nil {
		return Institution{}, err
	}
	var out Institution
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		before, err := Load(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Code != in.Code {
			return apperr.Field("fixmedins_code", "immutable", "机构编码不可修改", "the institution code cannot be changed")
		}
		if err := resolveArea(ctx, tx, &in); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE institutions SET name = ?, level = ?, private = ?, area_id = ?,
			in_county = ?, agreement = ?, networked = ?, bank_name = ?, bank_account_name = ?, bank_account_no = ?,
			updated_at = ? WHERE id = ?`, in.Name, string(in.Level), in.Private, nullID(in.AreaID), in.InCounty,
			in.Agreement, in.Networked, in.BankName, in.BankAccountName, in.BankAccountNo, db.Timestamp(s.now()), id)
		if err != nil {
			return err
		}
		if out, err = Load(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "institution.update", "institution", id, auditView(before), auditView(out))
	})
	return out, err
}

// resolveArea checks the area id, or finds it from the area code.
func resolveArea(ctx context.Context, tx *db.Tx, in *Input) error {
	if in.AreaID == 0 && in.AreaCode == "" {
		return nil
	}
	q, arg, field := `SELECT id FROM areas WHERE id = ?`, any(in.AreaID), "area_id"
	if in.AreaID == 0 {
		q, arg, field = `SELECT id FROM areas WHERE code = ?`, strings.TrimSpace(in.AreaCode), "area_code"
	}
	err := tx.QueryRowContext(ctx, q, arg).Scan(&in.AreaID)
	if db.IsNoRows(err) {
		return apperr.Field(field, "area_not_found", "所选地区不存在", "area not found")
	}
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// auditView is what the audit trail keeps of an institution: everything but
// the full bank account number.
func auditView(in Institution) map[string]any {
	return map[string]any{"code": in.Code, "name": in.Name, "level": in.Level, "private": in.Private,
		"area_id": in.AreaID, "in_county": in.InCounty, "agreement": in.Agreement, "networked": in.Networked,
		"bank_name": in.BankName, "bank_account_name": in.BankAccountName,
		"bank_account_no": MaskAccount(in.BankAccountNo), "status": in.Status, "status_since": in.StatusSince}
}

func (s *Service) addStatus(ctx context.Context, tx *db.Tx, id int64, st Status, since civil.Date, reason string) error {
	a, _ := access.FromContext(ctx)
	_, err := tx.ExecContext(ctx, `INSERT INTO institution_status (institution_id, status, since, reason, at, username)
		VALUES (?, ?, ?, ?, ?, ?)`, id, string(st), since, reason, db.Timestamp(s.now()), a.Username)
	return err
}
