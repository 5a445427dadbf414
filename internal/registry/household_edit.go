package registry

import (
	"context"
	"strings"
	"unicode/utf8"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
)

// HouseholdEdit changes a household and, on the same form, its members.
type HouseholdEdit struct {
	Number  string // "" keeps the number
	Address string
	Phone   string
	Members []MemberEdit // members to change or add; members not listed stay as they are
}

// MemberEdit changes an existing member (PersonID set) or adds one
// (PersonID 0). An existing member's ID number can only be given when none
// was recorded (a child's first ID); other changes of it are corrections.
type MemberEdit struct {
	PersonID int64
	PersonInput
	Event EventKind  // for a new member: EvBorn, EvMovedIn or EvRegistered (default)
	Date  civil.Date // for a new member: the event's day (default today)
}

// EditHousehold saves a household form: number, address, phone, member
// changes and new members, in one transaction. Exactly one active head must
// remain.
func (s *Service) EditHousehold(ctx context.Context, id int64, e HouseholdEdit) (Household, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, h, err := s.lockHousehold(ctx, tx, id)
		if err != nil {
			return err
		}
		before := h
		if err := s.editHouseholdFields(ctx, tx, &h, e); err != nil {
			return err
		}
		if err := s.applyMemberEdits(ctx, tx, act, &h, e.Members); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "household.update", "household", h.ID, householdFields(before), householdFields(h))
	})
	if err != nil {
		return Household{}, err
	}
	return s.Household(ctx, id)
}

// lockHousehold reads a household for update, checking the writer's scope.
func (s *Service) lockHousehold(ctx context.Context, tx *db.Tx, id int64) (access.Actor, Household, error) {
	act, err := writer(ctx)
	if err != nil {
		return act, Household{}, err
	}
	h, err := getHousehold(ctx, tx, id, s.db.ForUpdate())
	if err != nil || !act.Scope.CoversArea(h.AreaPath) {
		return act, Household{}, errHouseholdNotFound
	}
	return act, h, nil
}

func householdFields(h Household) map[string]any {
	return map[string]any{"number": h.Number, "area_id": h.AreaID, "address": h.Address, "phone": h.Phone}
}

// editHouseholdFields checks and writes number, address and phone.
func (s *Service) editHouseholdFields(ctx context.Context, tx *db.Tx, h *Household, e HouseholdEdit) error {
	var c apperr.Collector
	number := strings.TrimSpace(e.Number)
	if number == "" {
		number = h.Number
	}
	if err := checkNumber(number); err != nil {
		c.Add(fieldOf(err))
	}
	address := strings.TrimSpace(e.Address)
	if utf8.RuneCountInString(address) > 100 {
		c.AddField("address", "too_long", "地址过长", "address is too long")
	}
	phone, err := NormalizePhone(e.Phone)
	if err != nil {
		c.Add(fieldOf(err))
	}
	if err := c.Err(); err != nil {
		return err
	}
	if number != h.Number {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM households WHERE number = ?`, number).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errDuplicateNumber(number)
		}
	}
	h.Number, h.Address, h.Phone = number, address, phone
	_, err = tx.ExecContext(ctx, `UPDATE households SET number = ?, address = ?, phone = ?, updated_at = ? WHERE id = ?`,
		number, address, phone, s.stamp(), h.ID)
	return err
}

// memberPlan is one checked member edit with the person it changes.
type memberPlan struct {
	edit MemberEdit
	old  Person // zero for a new member
}

// applyMemberEdits checks every member edit, then writes them: demotions
// of the head first, so that the one-head rule holds at every step.
func (s *Service) applyMemberEdits(ctx context.Context, tx *db.Tx, act access.Actor, h *Household, edits []MemberEdit) error {
	if len(edits) == 0 {
		return nil
	}
	current, err := members(ctx, tx, h.ID)
	if err != nil {
		return err
	}
	plans, err := s.planMembers(ctx, tx, current, edits)
	if err != nil {
		return err
	}
	for pass := 0; pass < 2; pass++ {
		for i, p := range plans {
			demotes := p.old.ID != 0 && p.old.Relation == Head && p.edit.Relation != Head
			if (pass == 0) != demotes {
				continue
			}
			if err := s.applyMember(ctx, tx, h, p, i); err != nil {
				return err
			}
		}
	}
	return s.syncHead(ctx, tx, h.ID)
}

// planMembers validates the edits against the current members: fields,
// deceased or departed members, ID rules, duplicates, one head.
func (s *Service) planMembers(ctx context.Context, tx *db.Tx, current []Person, edits []MemberEdit) ([]memberPlan, error) {
	today := s.Today()
	byID := map[int64]Person{}
	for _, p := range current {
		byID[p.ID] = p
	}
	var c apperr.Collector
	heads := map[int64]bool{} // active heads after the edits, by person id (new members: negative)
	for _, p := range current {
		if p.IsHead() {
			heads[p.ID] = true
		}
	}
	plans := make([]memberPlan, len(edits))
	for i, e := range edits {
		plans[i] = s.planMember(ctx, tx, byID, e, i, today, &c)
		key := plans[i].old.ID
		if key == 0 {
			key = int64(-1 - i)
		}
		active := plans[i].old.ID == 0 || plans[i].old.Status == Active
		heads[key] = active && plans[i].edit.Relation == Head
	}
	n := 0
	for _, isHead := range heads {
		if isHead {
			n++
		}
	}
	if n > 1 {
		c.AddField("members", "two_heads", "一户只能有一名户主", "a household has exactly one head")
	} else if n == 0 && hasActive(current, plans) {
		c.AddField("members", "no_head", "请指定户主（与户主关系填“户主”）", "mark the head of household (relation 户主)")
	}
	if err := c.Err(); err != nil {
		if e, _ := apperr.As(err); hasCode(e, "duplicate_id") {
			e.Kind = apperr.Conflict
		}
		return nil, err
	}
	return plans, nil
}

func hasActive(current []Person, plans []memberPlan) bool {
	for _, p := range current {
		if p.Status == Active {
			return true
		}
	}
	for _, p := range plans {
		if p.old.ID == 0 {
			return true
		}
	}
	return false
}

func hasCode(e *apperr.Error, code string) bool {
	for _, f := range e.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

// planMember checks one member edit, adding problems to c.
func (s *Service) planMember(ctx context.Context, tx *db.Tx, byID map[int64]Person, e MemberEdit, i int, today civil.Date, c *apperr.Collector) memberPlan {
	add := func(f apperr.FieldError) { f.Field = memberField(i, f.Field); c.Add(f) }
	old, known := byID[e.PersonID]
	if e.PersonID != 0 && !known {
		add(apperr.FieldError{Field: "person_id", Code: "not_member", Zh: "不是本户成员", En: "not a member of this household"})
		return memberPlan{edit: e}
	}
	if known && old.IDNumber != "" && (e.IDNumber == "" || idcard.Normalize(strings.TrimSpace(e.IDNumber)) == old.IDNumber) {
		e.IDNumber, e.Sex, e.BirthDate = old.IDNumber, 0, civil.Date{}
	}
	in, fs := CheckPerson(e.PersonInput, today)
	for _, f := range fs {
		add(f)
	}
	e.PersonInput = in
	switch {
	case known && old.IDNumber != "" && in.IDNumber != old.IDNumber:
		add(apperr.FieldError{Field: "id_number", Code: "use_correction", Zh: "已登记的身份证号不能在此修改，请使用“信息更正”",
			En: "a recorded ID number is changed only by a correction"})
	case known && old.Status != Active && personChanged(old, in):
		add(apperr.FieldError{Field: "status", Code: "not_active", Zh: "该人员" + old.Status.Zh() + "，不能修改（如有错误请使用“信息更正”）",
			En: "the person is " + string(old.Status) + " and cannot be changed except by a correction"})
	}
	if len(fs) == 0 {
		if err := duplicateID(ctx, tx, in.IDNumber, e.PersonID); err != nil {
			if ae, ok := apperr.As(err); ok {
				add(ae.Fields[0])
			}
		}
	}
	if e.PersonID == 0 && e.Event == "" {
		e.Event = EvRegistered
	}
	if e.PersonID == 0 && e.Event != EvRegistered && e.Event != EvBorn && e.Event != EvMovedIn {
		add(apperr.FieldError{Field: "event", Code: "bad_event", Zh: "新增成员的原因应为登记、出生或迁入", En: "a new member is registered, born or moved in"})
	}
	return memberPlan{edit: e, old: old}
}

// personChanged reports whether the input differs from the stored person.
func personChanged(p Person, in PersonInput) bool {
	return p.Name != in.Name || p.IDNumber != in.IDNumber || p.Sex != in.Sex || p.BirthDate != in.BirthDate ||
		p.Phone != in.Phone || p.Relation != in.Relation || p.Categories.Codes() != in.Categories.Codes() ||
		(in.MotherID != 0 && in.MotherID != p.MotherID)
}

// applyMember writes one planned member edit.
func (s *Service) applyMember(ctx context.Context, tx *db.Tx, h *Household, p memberPlan, i int) error {
	in := p.edit.PersonInput
	if p.old.ID == 0 {
		date := p.edit.Date
		if date.IsZero() {
			date = s.Today()
		}
		return s.insertMembers(ctx, tx, h, []PersonInput{in}, date, p.edit.Event)
	}
	if !personChanged(p.old, in) {
		return nil
	}
	var idnum any
	if in.IDNumber != "" {
		idnum = in.IDNumber
	}
	_, err := tx.ExecContext(ctx, `UPDATE persons SET id_number = ?, name = ?, sex = ?, birth_date = ?, phone = ?,
		relation = ?, categories = ?, updated_at = ? WHERE id = ?`, idnum, in.Name, sexCode(in.Sex), in.BirthDate,
		in.Phone, in.Relation, in.Categories.Codes(), s.stamp(), p.old.ID)
	if db.IsUniqueViolation(err) {
		return duplicateIDError(in.IDNumber, "?", "")
	}
	if err != nil {
		return err
	}
	if p.old.IDNumber == "" && in.IDNumber != "" {
		if err := s.addEvent(ctx, tx, p.old.ID, h.ID, EvIDAssigned, s.Today(), idcard.Mask(in.IDNumber), ""); err != nil {
			return err
		}
	}
	if in.MotherID != 0 || in.MotherIDNumber != "" {
		if err := s.linkMother(ctx, tx, p.old.ID, in, nil, memberField(i, "mother")); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, "person.update", "person", p.old.ID, personSnapshotOf(p.old), personSnapshot(in, h.ID))
}

// personSnapshotOf is personSnapshot of a stored person.
func personSnapshotOf(p Person) map[string]any {
	return personSnapshot(PersonInput{IDNumber: p.IDNumber, Name: p.Name, Sex: p.Sex, BirthDate: p.BirthDate,
		Phone: p.Phone, Relation: p.Relation, Categories: p.Categories}, p.HouseholdID)
}

// MoveHousehold moves a household to another village or group; the area
// path of the household and of all its members follows. The actor's scope
// must cover both the old and the new area.
func (s *Service) MoveHousehold(ctx context.Context, id, toAreaID int64) (Household, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, h, err := s.lockHousehold(ctx, tx, id)
		if err != nil {
			return err
		}
		to, err := s.householdArea(ctx, tx, act, toAreaID)
		if err != nil {
			return err
		}
		now := s.stamp()
		if _, err := tx.ExecContext(ctx, `UPDATE households SET area_id = ?, area_path = ?, updated_at = ? WHERE id = ?`,
			to.ID, to.Path, now, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE persons SET area_path = ?, updated_at = ? WHERE household_id = ?`,
			to.Path, now, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, "household.move", "household", id,
			map[string]any{"area_id": h.AreaID, "area_path": h.AreaPath}, map[string]any{"area_id": to.ID, "area_path": to.Path})
	})
	if err != nil {
		return Household{}, err
	}
	return s.Household(ctx, id)
}
