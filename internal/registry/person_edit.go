package registry

import (
	"context"
	"encoding/json"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
)

// UpdatePerson changes one member's details (name, phone, relation,
// categories; sex and birth date only while there is no ID number; an ID
// number only when none was recorded). Deceased or departed people are
// changed only by Correct.
func (s *Service) UpdatePerson(ctx context.Context, id int64, in PersonInput) (Person, error) {
	p, err := s.editPerson(ctx, id, func(tx *db.Tx, act access.Actor, p Person) error {
		_, h, err := s.lockHousehold(ctx, tx, p.HouseholdID)
		if err != nil {
			return err
		}
		return s.applyMemberEdits(ctx, tx, act, &h, []MemberEdit{{PersonID: id, PersonInput: in}})
	})
	return p, unprefix(err)
}

// AddMember adds a person to a household: a newborn (EvBorn), someone
// moving in (EvMovedIn) or a late registration (EvRegistered).
func (s *Service) AddMember(ctx context.Context, householdID int64, m MemberEdit) (Person, error) {
	m.PersonID = 0
	var pid int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, h, err := s.lockHousehold(ctx, tx, householdID)
		if err != nil {
			return err
		}
		if err := s.applyMemberEdits(ctx, tx, act, &h, []MemberEdit{m}); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT MAX(id) FROM persons WHERE household_id = ?`, householdID).Scan(&pid)
	})
	if err != nil {
		return Person{}, unprefix(err)
	}
	return s.Person(ctx, pid)
}

// unprefix turns "members[1].name" field names back into "name" for the
// one-person operations.
func unprefix(err error) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	for i := range e.Fields {
		e.Fields[i].Field = strings.TrimPrefix(e.Fields[i].Field, "members[1].")
	}
	return e
}

// AssignIDNumber records the ID number a child received after being
// registered without one. The number's birth date and sex must agree with
// those recorded.
func (s *Service) AssignIDNumber(ctx context.Context, personID int64, number string) (Person, error) {
	return s.editPerson(ctx, personID, func(tx *db.Tx, act access.Actor, p Person) error {
		if p.IDNumber != "" {
			return apperr.New(apperr.Conflict, "has_id", "该人员已有身份证号，如需修改请使用“信息更正”", "the person already has an ID number; use a correction")
		}
		if p.Status == Deceased {
			return apperr.New(apperr.Conflict, "deceased", "该人员已登记死亡，只能通过更正修改", "the person is recorded as deceased; use a correction")
		}
		in := PersonInput{IDNumber: number, Name: p.Name, Sex: p.Sex, BirthDate: p.BirthDate, Relation: p.Relation}
		if in, fs := CheckPerson(in, s.Today()); len(fs) > 0 {
			return apperr.Fields(fs)
		} else if err := duplicateID(ctx, tx, in.IDNumber, p.ID); err != nil {
			return err
		} else {
			number = in.IDNumber
		}
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET id_number = ?, updated_at = ? WHERE id = ?`, number, s.stamp(), p.ID); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, p.ID, p.HouseholdID, EvIDAssigned, s.Today(), idcard.Mask(number), ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "person.assign_id", "person", p.ID, map[string]string{"id_number": ""}, map[string]string{"id_number": number})
	})
}

// Correction fixes recorded facts of a person, whatever the status
// (deceased people included). Empty fields keep their value. A reason is
// required; the change is kept as a "corrected" event with before and after.
type Correction struct {
	IDNumber  string
	Name      string
	Sex       idcard.Sex
	BirthDate civil.Date
	Status    Status // e.g. Active to undo a death recorded by mistake
	Reason    string
}

// Correct applies a correction.
func (s *Service) Correct(ctx context.Context, personID int64, c Correction) (Person, error) {
	return s.editPerson(ctx, personID, func(tx *db.Tx, act access.Actor, p Person) error {
		in, status, err := s.checkCorrection(ctx, tx, p, c)
		if err != nil {
			return err
		}
		var idnum any
		if in.IDNumber != "" {
			idnum = in.IDNumber
		}
		statusDate := p.StatusDate
		if status != p.Status {
			statusDate = s.Today()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET id_number = ?, name = ?, sex = ?, birth_date = ?, status = ?,
			status_date = ?, updated_at = ? WHERE id = ?`, idnum, in.Name, sexCode(in.Sex), in.BirthDate, string(status),
			statusDate, s.stamp(), p.ID); err != nil {
			return err
		}
		if err := s.syncHead(ctx, tx, p.HouseholdID); err != nil {
			return err
		}
		before, after := correctionView(p, p.Status), correctionView(Person{IDNumber: in.IDNumber, Name: in.Name, Sex: in.Sex, BirthDate: in.BirthDate}, status)
		data, _ := json.Marshal(map[string]any{"before": masked(before), "after": masked(after)})
		if err := s.addEvent(ctx, tx, p.ID, p.HouseholdID, EvCorrected, s.Today(), strings.TrimSpace(c.Reason), string(data)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "person.correct", "person", p.ID, before, after)
	})
}

// checkCorrection merges a correction into p and validates the result.
func (s *Service) checkCorrection(ctx context.Context, tx *db.Tx, p Person, c Correction) (PersonInput, Status, error) {
	if strings.TrimSpace(c.Reason) == "" {
		return PersonInput{}, "", apperr.Field("reason", "required", "请填写更正原因", "a reason is required")
	}
	in := PersonInput{IDNumber: p.IDNumber, Name: p.Name, Sex: p.Sex, BirthDate: p.BirthDate, Relation: p.Relation}
	if strings.TrimSpace(c.IDNumber) != "" {
		in.IDNumber = c.IDNumber
		in.Sex, in.BirthDate = 0, civil.Date{} // derived from the new number unless given
	}
	if strings.TrimSpace(c.Name) != "" {
		in.Name = c.Name
	}
	if c.Sex != 0 {
		in.Sex = c.Sex
	}
	if !c.BirthDate.IsZero() {
		in.BirthDate = c.BirthDate
	}
	status := p.Status
	if c.Status != "" {
		status = c.Status
	}
	if status != Active && status != MovedOut && status != Deceased {
		return in, "", apperr.Field("status", "bad_status", "状态无效", "invalid status")
	}
	in, fs := CheckPerson(in, s.Today())
	if len(fs) > 0 {
		return in, "", apperr.Fields(fs)
	}
	if err := duplicateID(ctx, tx, in.IDNumber, p.ID); err != nil {
		return in, "", err
	}
	if status == Active && p.Status != Active && p.Relation == Head {
		if err := s.checkNoOtherHead(ctx, tx, p.HouseholdID, p.ID, "status"); err != nil {
			return in, "", err
		}
	}
	return in, status, nil
}

func correctionView(p Person, st Status) map[string]string {
	return map[string]string{"id_number": p.IDNumber, "name": p.Name, "sex": sexCode(p.Sex),
		"birth_date": p.BirthDate.String(), "status": string(st)}
}

// masked returns a copy of a view with the ID number masked (for events,
// which screens show).
func masked(v map[string]string) map[string]string {
	out := map[string]string{}
	for k, x := range v {
		out[k] = x
	}
	out["id_number"] = idcard.Mask(out["id_number"])
	return out
}

// Transfer moves an active person to another household in the actor's
// scope (marriage, division of a household), with the relation to the new
// head. When the person was the head of a household that keeps active
// members, NewHeadID names the new head there.
type Transfer struct {
	ToHouseholdID int64
	Relation      string
	Date          civil.Date
	NewHeadID     int64
	Note          string
}

// TransferPerson records a transfer between households.
func (s *Service) TransferPerson(ctx context.Context, personID int64, t Transfer) (Person, error) {
	return s.editPerson(ctx, personID, func(tx *db.Tx, act access.Actor, p Person) error {
		_, to, err := s.lockHousehold(ctx, tx, t.ToHouseholdID)
		if err != nil {
			return apperr.Field("to_household_id", "not_found", "未找到目标户", "target household not found")
		}
		rel, err := s.checkTransfer(ctx, tx, p, to, t)
		if err != nil {
			return err
		}
		if p.IsHead() {
			if err := s.replaceHead(ctx, tx, p, t.NewHeadID); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET household_id = ?, area_path = ?, relation = ?, updated_at = ? WHERE id = ?`,
			to.ID, to.AreaPath, rel, s.stamp(), p.ID); err != nil {
			return err
		}
		for _, hid := range []int64{p.HouseholdID, to.ID} {
			if err := s.syncHead(ctx, tx, hid); err != nil {
				return err
			}
		}
		note := strings.TrimSpace("由户 " + p.HouseholdNumber + " 转入户 " + to.Number + "。" + t.Note)
		if err := s.addEvent(ctx, tx, p.ID, to.ID, EvTransferred, t.Date, note, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "person.transfer", "person", p.ID,
			map[string]any{"household_id": p.HouseholdID, "relation": p.Relation}, map[string]any{"household_id": to.ID, "relation": rel})
	})
}

// checkTransfer validates a transfer and returns the normalized relation.
func (s *Service) checkTransfer(ctx context.Context, tx *db.Tx, p Person, to Household, t Transfer) (string, error) {
	if p.Status != Active {
		return "", apperr.New(apperr.Conflict, "not_active", "只有在册人员可以转户", "only active people can be transferred")
	}
	if to.ID == p.HouseholdID {
		return "", apperr.Field("to_household_id", "same_household", "目标户与原户相同", "already in that household")
	}
	if t.Date.IsZero() || t.Date.After(s.Today()) || t.Date.Before(p.BirthDate) {
		return "", apperr.Field("date", "bad_date", "请填写有效日期（不晚于今天）", "a valid date, not in the future, is required")
	}
	rel, err := NormalizeRelation(t.Relation)
	if err != nil {
		return "", err
	}
	if rel == Head {
		if err := s.checkNoOtherHead(ctx, tx, to.ID, p.ID, "relation"); err != nil {
			return "", err
		}
	}
	return rel, nil
}
