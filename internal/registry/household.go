package registry

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/audit"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
)

// Household is one registered household (户), the unit of enrollment.
type Household struct {
	ID           int64
	Number       string // 户编号, unique in the installation
	AreaID       int64  // a village or a group
	AreaPath     string
	Address      string
	Phone        string
	HeadPersonID int64  // 0 when no active member is left
	HeadName     string // name of the head, for lists
	ActiveCount  int    // active members
	Created      time.Time
	Updated      time.Time

	Members []Person // all members, head first (filled by Service.Household)
	Areas   []Area   // the area chain, county first (filled by Service.Household)
}

// AreaNames returns the chain of area names below the county, e.g.
// "城关镇 红星村 三组" (needs Areas).
func (h Household) AreaNames() string {
	var names []string
	for _, a := range h.Areas {
		if a.Level != County {
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, " ")
}

// HouseholdInput registers a household with its members.
type HouseholdInput struct {
	Number  string // empty: generated as the area code + a 4-digit sequence
	AreaID  int64  // a village or a group
	Address string
	Phone   string
	Members []PersonInput // exactly one with relation 户主
	Date    civil.Date    // date of the registration events; zero: today
}

// memberField names field f of member i (0-based) as forms show it:
// "members[1].id_number" for the first member.
func memberField(i int, f string) string { return fmt.Sprintf("members[%d].%s", i+1, f) }

// CheckHousehold validates a registration without touching the database:
// each member (CheckPerson), one head, no ID number twice, mothers named in
// the household. Field names of members are "members[N].field", N from 1.
func CheckHousehold(in HouseholdInput, today civil.Date) (HouseholdInput, []apperr.FieldError) {
	var c apperr.Collector
	in.Number = strings.TrimSpace(in.Number)
	if err := checkNumber(in.Number); err != nil {
		c.Add(fieldOf(err))
	}
	in.Address = strings.TrimSpace(in.Address)
	if utf8.RuneCountInString(in.Address) > 100 {
		c.AddField("address", "too_long", "地址过长", "address is too long")
	}
	var err error
	if in.Phone, err = NormalizePhone(in.Phone); err != nil {
		c.Add(fieldOf(err))
	}
	if in.AreaID == 0 {
		c.AddField("area_id", "required", "请选择所属村/组", "choose the village or group")
	}
	if len(in.Members) == 0 {
		c.AddField("members", "required", "至少登记一名家庭成员（户主）", "register at least one member (the head)")
	}
	members := make([]PersonInput, len(in.Members))
	for i, m := range in.Members {
		var fs []apperr.FieldError
		members[i], fs = CheckPerson(m, today)
		for _, f := range fs {
			f.Field = memberField(i, f.Field)
			c.Add(f)
		}
	}
	in.Members = members
	checkMembersTogether(members, &c)
	return in, c.List()
}

// checkMembersTogether checks rules across members: one head, unique IDs.
func checkMembersTogether(members []PersonInput, c *apperr.Collector) {
	heads := 0
	seen := map[string]int{}
	for i, m := range members {
		if m.Relation == Head {
			heads++
			if heads == 2 {
				c.AddField(memberField(i, "relation"), "two_heads", "一户只能有一名户主", "a household has exactly one head")
			}
		}
		if m.IDNumber == "" {
			continue
		}
		if j, dup := seen[m.IDNumber]; dup {
			c.AddField(memberField(i, "id_number"), "duplicate_id",
				fmt.Sprintf("与第%d人身份证号重复", j+1), fmt.Sprintf("same ID number as member %d", j+1))
		}
		seen[m.IDNumber] = i
	}
	if heads == 0 && len(members) > 0 {
		c.AddField("members", "no_head", "请指定户主（与户主关系填“户主”）", "mark the head of household (relation 户主)")
	}
}

func checkNumber(n string) error {
	if n == "" {
		return nil
	}
	if len(n) > 30 || strings.ContainsFunc(n, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-')
	}) {
		return apperr.Field("number", "bad_number", "户编号只能含字母、数字和“-”，不超过30位",
			"household number: letters, digits and '-' only, at most 30")
	}
	return nil
}

// RegisterHousehold registers a household and all its members in one
// transaction, with a "registered" event per member and audit rows.
func (s *Service) RegisterHousehold(ctx context.Context, in HouseholdInput) (Household, error) {
	var out Household
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.RegisterHouseholdTx(ctx, tx, in)
		return err
	})
	if err != nil {
		return Household{}, err
	}
	return s.Household(ctx, out.ID)
}

// RegisterHouseholdTx is RegisterHousehold inside the caller's transaction
// (the household import registers a whole file in one). The returned
// household has no Members or Areas filled.
func (s *Service) RegisterHouseholdTx(ctx context.Context, tx *db.Tx, in HouseholdInput) (Household, error) {
	act, err := writer(ctx)
	if err != nil {
		return Household{}, err
	}
	today := s.Today()
	in, fs := CheckHousehold(in, today)
	if len(fs) > 0 {
		return Household{}, apperr.Fields(fs)
	}
	area, err := s.householdArea(ctx, tx, act, in.AreaID)
	if err != nil {
		return Household{}, err
	}
	if err := s.checkDuplicates(ctx, tx, in.Members); err != nil {
		return Household{}, err
	}
	if in.Number, err = s.householdNumber(ctx, tx, area, in.Number); err != nil {
		return Household{}, err
	}
	if in.Date.IsZero() {
		in.Date = today
	}
	now := s.stamp()
	h := Household{Number: in.Number, AreaID: area.ID, AreaPath: area.Path, Address: in.Address, Phone: in.Phone}
	h.ID, err = tx.InsertID(ctx, `INSERT INTO households (number, area_id, area_path, address, phone, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, h.Number, h.AreaID, h.AreaPath, h.Address, h.Phone, now, now)
	if db.IsUniqueViolation(err) {
		return Household{}, errDuplicateNumber(h.Number)
	}
	if err != nil {
		return Household{}, err
	}
	if err := s.insertMembers(ctx, tx, &h, in.Members, in.Date, EvRegistered); err != nil {
		return Household{}, err
	}
	return h, audit.Record(ctx, tx, "household.create", "household", h.ID, nil, householdSnapshot(h, in.Members))
}

// householdArea returns the area a household is registered in: a village
// or a group inside the actor's scope.
func (s *Service) householdArea(ctx context.Context, tx db.Querier, act access.Actor, id int64) (Area, error) {
	a, err := getArea(ctx, tx, id)
	if err != nil || !act.Scope.CoversArea(a.Path) {
		return Area{}, apperr.Field("area_id", "not_found", "所属地区不存在或不在您的管辖范围", "area not found in your scope")
	}
	if !a.Level.HoldsHouseholds() {
		return Area{}, apperr.Field("area_id", "bad_level", "户只能登记在村或组下", "a household belongs to a village or a group")
	}
	return a, nil
}

// checkDuplicates refuses members whose ID number is already registered.
func (s *Service) checkDuplicates(ctx context.Context, tx db.Querier, members []PersonInput) error {
	var fs []apperr.FieldError
	for i, m := range members {
		err := duplicateID(ctx, tx, m.IDNumber, 0)
		if e, ok := apperr.As(err); ok {
			f := e.Fields[0]
			f.Field = memberField(i, f.Field)
			fs = append(fs, f)
		} else if err != nil {
			return err
		}
	}
	if len(fs) == 0 {
		return nil
	}
	e := apperr.Fields(fs)
	e.Kind, e.Code = apperr.Conflict, "duplicate_id"
	e.Zh, e.En = "身份证号已登记，不能重复登记", "ID number already registered"
	return e
}

func errDuplicateNumber(n string) error {
	e := apperr.Field("number", "duplicate_number", "户编号 "+n+" 已被使用", "household number "+n+" is already in use")
	e.Kind = apperr.Conflict
	return e
}

// householdNumber checks a given number for uniqueness or generates one:
// the area code followed by a 4-digit sequence per area.
func (s *Service) householdNumber(ctx context.Context, tx *db.Tx, area Area, n string) (string, error) {
	taken := func(n string) (bool, error) {
		var c int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM households WHERE number = ?`, n).Scan(&c)
		return c > 0, err
	}
	if n != "" {
		t, err := taken(n)
		if t {
			return "", errDuplicateNumber(n)
		}
		return n, err
	}
	for {
		seq, err := nextCounter(ctx, tx, fmt.Sprintf("household:%d", area.ID))
		if err != nil {
			return "", err
		}
		n = fmt.Sprintf("%s%04d", area.Code, seq)
		if t, err := taken(n); err != nil || !t {
			return n, err
		}
	}
}

// insertMembers inserts persons of household h, links mothers, sets the
// head, and records an event of the given kind for each.
func (s *Service) insertMembers(ctx context.Context, tx *db.Tx, h *Household, ms []PersonInput, date civil.Date, kind EventKind) error {
	ids := make([]int64, len(ms))
	byNumber := map[string]int64{}
	for i, m := range ms {
		id, err := s.insertPerson(ctx, tx, h, m)
		if err != nil {
			return err
		}
		ids[i] = id
		if m.IDNumber != "" {
			byNumber[m.IDNumber] = id
		}
		if m.Relation == Head {
			h.HeadPersonID, h.HeadName = id, m.Name
		}
	}
	for i, m := range ms {
		if err := s.linkMother(ctx, tx, ids[i], m, byNumber, memberField(i, "mother")); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, ids[i], h.ID, kind, date, "", ""); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, "person.create", "person", ids[i], nil, personSnapshot(m, h.ID)); err != nil {
			return err
		}
	}
	if h.HeadPersonID == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE households SET head_person_id = ? WHERE id = ?`, h.HeadPersonID, h.ID)
	return err
}

// insertPerson inserts one checked person into h.
func (s *Service) insertPerson(ctx context.Context, tx *db.Tx, h *Household, m PersonInput) (int64, error) {
	var idnum any
	if m.IDNumber != "" {
		idnum = m.IDNumber
	}
	now := s.stamp()
	id, err := tx.InsertID(ctx, `INSERT INTO persons (household_id, area_path, id_number, name, sex, birth_date,
		phone, relation, categories, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
		h.ID, h.AreaPath, idnum, m.Name, sexCode(m.Sex), m.BirthDate, m.Phone, m.Relation, m.Categories.Codes(), now, now)
	if db.IsUniqueViolation(err) {
		if m.IDNumber != "" {
			return 0, duplicateIDError(m.IDNumber, "?", "")
		}
		return 0, apperr.New(apperr.Conflict, "two_heads", "该户已有户主", "the household already has a head")
	}
	return id, err
}

// linkMother resolves m's mother (by id or ID number) and links her to
// child. The mother must be a woman in the actor's scope, older than the child.
func (s *Service) linkMother(ctx context.Context, tx *db.Tx, child int64, m PersonInput, byNumber map[string]int64, field string) error {
	mid := m.MotherID
	if mid == 0 && m.MotherIDNumber != "" {
		mid = byNumber[m.MotherIDNumber]
		if mid == 0 {
			err := tx.QueryRowContext(ctx, `SELECT id FROM persons WHERE id_number = ?`, m.MotherIDNumber).Scan(&mid)
			if err != nil && !db.IsNoRows(err) {
				return err
			}
		}
	}
	if mid == 0 && m.MotherID == 0 && m.MotherIDNumber == "" {
		return nil
	}
	act, _ := actorOf(ctx)
	mother, err := getPerson(ctx, tx, mid, "")
	if err != nil || !act.Scope.CoversArea(mother.AreaPath) {
		return apperr.Field(field, "not_found", "未找到母亲的登记信息", "mother not found in the register")
	}
	if mother.Sex != idcard.Female || !mother.BirthDate.Before(m.BirthDate) || mid == child {
		return apperr.Field(field, "bad_mother", "母亲应为女性且年长于孩子", "the mother must be a woman older than the child")
	}
	_, err = tx.ExecContext(ctx, `UPDATE persons SET mother_id = ? WHERE id = ?`, mid, child)
	return err
}

// personSnapshot is what the audit trail keeps of a person (the person is
// the object, so the full ID number is kept).
func personSnapshot(m PersonInput, household int64) map[string]any {
	return map[string]any{"household_id": household, "id_number": m.IDNumber, "name": m.Name,
		"sex": sexCode(m.Sex), "birth_date": m.BirthDate.String(), "phone": m.Phone,
		"relation": m.Relation, "categories": m.Categories.Codes()}
}

// householdSnapshot is what the audit trail keeps of a household: members
// with masked ID numbers (the household is the object, not the people).
func householdSnapshot(h Household, ms []PersonInput) map[string]any {
	members := make([]map[string]string, len(ms))
	for i, m := range ms {
		members[i] = map[string]string{"name": m.Name, "id_number": idcard.Mask(m.IDNumber), "relation": m.Relation}
	}
	return map[string]any{"number": h.Number, "area_id": h.AreaID, "area_path": h.AreaPath,
		"address": h.Address, "phone": h.Phone, "members": members}
}
