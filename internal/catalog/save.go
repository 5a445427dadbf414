package catalog

import (
	"context"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
)

// Action says what saving a version did.
type Action string

// What Save and Import do with each item.
const (
	Created    Action = "created"     // a new item
	NewVersion Action = "new_version" // a new version; the previous one now ends the day before
	Updated    Action = "updated"     // the version with the same valid_from was corrected
	Unchanged  Action = "unchanged"   // the terms are those of the current version
)

// Save stores one version of an item. A code not yet in the catalogue is
// created. For a known code, a version with a later valid_from becomes the
// new version and the previous one ends the day before; the same valid_from
// corrects that version in place; an earlier valid_from than the latest
// version's is refused. Identical terms change nothing.
func (s *Service) Save(ctx context.Context, in Input) (Entry, Action, error) {
	if _, err := admin(ctx); err != nil {
		return Entry{}, "", err
	}
	if in.ValidFrom.IsZero() {
		in.ValidFrom = s.Today()
	}
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if errs := in.check(0, nil); len(errs) > 0 {
		return Entry{}, "", apperr.Fields(errs)
	}
	var out Entry
	var act Action
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		latest, err := latestVersion(ctx, tx, in.Code)
		if err != nil {
			return err
		}
		var id int64
		act, id, err = s.apply(ctx, tx, in, latest)
		if err != nil {
			return err
		}
		out, err = scan(tx.QueryRowContext(ctx, `SELECT `+cols+` FROM catalog_entries WHERE id = ?`, id))
		return err
	})
	return out, act, err
}

func latestVersion(ctx context.Context, q db.Querier, code string) (*Entry, error) {
	e, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM catalog_entries WHERE code = ?
		ORDER BY valid_from DESC LIMIT 1`, code))
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// apply writes one version given the item's latest version (nil: none) and
// records it in the audit trail. It returns the id of the version that
// now holds in's terms.
func (s *Service) apply(ctx context.Context, tx *db.Tx, in Input, latest *Entry) (Action, int64, error) {
	now := db.Timestamp(s.now())
	switch {
	case latest == nil:
		id, err := insert(ctx, tx, in, now)
		if err == nil {
			err = audit.Record(ctx, tx, "catalog.create", "catalog_entry", in.Code, nil, auditView(in))
		}
		return Created, id, err
	case in.ValidFrom.Before(latest.ValidFrom):
		return "", 0, apperr.Field("valid_from", "before_latest",
			"生效日期早于该项目最新版本的生效日期 "+latest.ValidFrom.String(),
			"valid_from is before the item's latest version ("+latest.ValidFrom.String()+")")
	case latest.sameTerms(in) && (in.ValidFrom == latest.ValidFrom || latest.ValidTo.IsZero()):
		return Unchanged, latest.ID, nil
	case in.ValidFrom == latest.ValidFrom:
		_, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET name = ?, kind = ?, class = ?, selfpay_bp = ?,
			price_cap = ?, price = ?, unit = ?, spec = ?, fee_type = ?, essential = ?, restricted = ?,
			restriction = ?, levels = ?, valid_to = ?, updated_at = ? WHERE id = ?`,
			in.Name, string(in.Kind), in.Class.String(), int64(in.SelfPay), int64(in.PriceCap), int64(in.Price),
			in.Unit, in.Spec, in.FeeType, in.Essential, in.Restricted, in.Restriction, strings.Join(in.Levels, ","),
			in.ValidTo, now, latest.ID)
		if err == nil {
			err = audit.Record(ctx, tx, "catalog.update", "catalog_entry", in.Code, entryView(*latest), auditView(in))
		}
		return Updated, latest.ID, err
	}
	if latest.ValidTo.IsZero() || !latest.ValidTo.Before(in.ValidFrom) {
		end := in.ValidFrom.AddDays(-1)
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_entries SET valid_to = ?, updated_at = ? WHERE id = ?`,
			end, now, latest.ID); err != nil {
			return "", 0, err
		}
	}
	id, err := insert(ctx, tx, in, now)
	if err == nil {
		err = audit.Record(ctx, tx, "catalog.version", "catalog_entry", in.Code, entryView(*latest), auditView(in))
	}
	return NewVersion, id, err
}

func insert(ctx context.Context, tx *db.Tx, in Input, now string) (int64, error) {
	return tx.InsertID(ctx, `INSERT INTO catalog_entries (code, name, kind, class, selfpay_bp, price_cap, price,
		unit, spec, fee_type, essential, restricted, restriction, levels, valid_from, valid_to, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Code, in.Name, string(in.Kind), in.Class.String(), int64(in.SelfPay), int64(in.PriceCap), int64(in.Price),
		in.Unit, in.Spec, in.FeeType, in.Essential, in.Restricted, in.Restriction, strings.Join(in.Levels, ","),
		in.ValidFrom, in.ValidTo, now, now)
}

// auditView is what the audit trail keeps of a version.
func auditView(in Input) map[string]any {
	return map[string]any{"code": in.Code, "name": in.Name, "kind": in.Kind, "class": in.Class.String(),
		"selfpay_prop": in.SelfPay.Fraction(), "price_cap": in.PriceCap.String(), "price": in.Price.String(),
		"unit": in.Unit, "essential": in.Essential, "restricted": in.Restricted, "restriction": in.Restriction,
		"levels": strings.Join(in.Levels, ","), "valid_from": in.ValidFrom.String(), "valid_to": dateText(in.ValidTo)}
}

func entryView(e Entry) map[string]any {
	return auditView(e.Input())
}

func dateText(d civil.Date) string { return d.String() }

// Input returns the entry's terms as an Input (to edit them).
func (e Entry) Input() Input {
	return Input{Code: e.Code, Name: e.Name, Kind: e.Kind, Class: e.Class, SelfPay: e.SelfPay, PriceCap: e.PriceCap,
		Price: e.Price, Unit: e.Unit, Spec: e.Spec, FeeType: e.FeeType, Essential: e.Essential,
		Restricted: e.Restricted, Restriction: e.Restriction, Levels: e.Levels, ValidFrom: e.ValidFrom, ValidTo: e.ValidTo}
}
