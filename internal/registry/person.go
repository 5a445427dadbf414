package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
)

// Status is where a person stands in the register.
type Status string

// The statuses. A person is never deleted: leaving is a status change
// recorded as a dated event.
const (
	Active   Status = "active"
	MovedOut Status = "moved_out"
	Deceased Status = "deceased"
)

// Label returns the status's Chinese and English names.
func (s Status) Label() (zh, en string) {
	switch s {
	case Active:
		return "在册", "active"
	case MovedOut:
		return "已迁出", "moved out"
	case Deceased:
		return "已死亡", "deceased"
	}
	return string(s), string(s)
}

// Zh returns the Chinese name of the status.
func (s Status) Zh() string { zh, _ := s.Label(); return zh }

// NoIDMaxAge is the age (in whole years) under which a child may be
// registered without an ID number yet. Everyone older must have one.
const NoIDMaxAge = 6

// Person is one registered person.
type Person struct {
	ID              int64
	HouseholdID     int64
	HouseholdNumber string
	AreaPath        string
	IDNumber        string // "" while a child has none; display with MaskedID
	Name            string
	Sex             idcard.Sex
	BirthDate       civil.Date
	Phone           string
	Relation        string
	Categories      Categories
	Status          Status
	StatusDate      civil.Date
	MotherID        int64
	Created         time.Time
	Updated         time.Time
}

// MaskedID returns the ID number masked for display ("" when none).
func (p Person) MaskedID() string { return idcard.Mask(p.IDNumber) }

// IsHead reports whether the person is the head of the household.
func (p Person) IsHead() bool { return p.Relation == Head && p.Status == Active }

// AgeOn returns the person's age in whole years on day d.
func (p Person) AgeOn(d civil.Date) int { return p.BirthDate.AgeOn(d) }

// PersonInput is what a clerk or an import row gives for a person. Sex and
// BirthDate may be left zero when there is an ID number: they are derived
// from it; when given they must agree with it.
type PersonInput struct {
	IDNumber   string
	Name       string
	Sex        idcard.Sex
	BirthDate  civil.Date
	Phone      string
	Relation   string
	Categories Categories
	// MotherID links a child to its mother (an existing person), or
	// MotherIDNumber names her by ID number: a person already registered
	// or another member of the same registration.
	MotherID       int64
	MotherIDNumber string
}

// CheckPerson validates and normalizes one person's input, reporting every
// problem at once. Field names are id_number, name, sex, birth_date, phone,
// relation, categories, mother. 15-digit old ID numbers are upgraded to 18.
func CheckPerson(in PersonInput, today civil.Date) (PersonInput, []apperr.FieldError) {
	var c apperr.Collector
	in.Name = strings.TrimSpace(in.Name)
	if err := checkName(in.Name); err != nil {
		c.Add(err.Fields[0])
	}
	in.IDNumber = strings.TrimSpace(idcard.Normalize(in.IDNumber))
	if in.IDNumber != "" {
		checkIDNumber(&in, today, &c)
	} else {
		checkNoID(in, today, &c)
	}
	var err error
	if in.Phone, err = NormalizePhone(in.Phone); err != nil {
		c.Add(fieldOf(err))
	}
	if in.Relation, err = NormalizeRelation(in.Relation); err != nil {
		c.Add(fieldOf(err))
	}
	in.Categories = in.Categories.Norm()
	in.MotherIDNumber = strings.TrimSpace(idcard.Normalize(in.MotherIDNumber))
	return in, c.List()
}

func checkName(name string) *apperr.Error {
	switch {
	case name == "":
		return apperr.Field("name", "required", "请填写姓名", "name is required")
	case utf8.RuneCountInString(name) > 30:
		return apperr.Field("name", "too_long", "姓名过长", "name is too long")
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.IsDigit(r) || unicode.IsControl(r) }):
		return apperr.Field("name", "bad_name", "姓名不能含数字或控制字符", "name must not contain digits")
	}
	return nil
}

// checkIDNumber validates the ID number and derives or checks sex and birth date.
func checkIDNumber(in *PersonInput, today civil.Date, c *apperr.Collector) {
	if len(in.IDNumber) == 15 {
		if up, err := idcard.Upgrade15(in.IDNumber); err == nil {
			in.IDNumber = up
		}
	}
	id, err := idcard.Parse(in.IDNumber)
	if err == nil {
		err = idcard.CheckBirth(id, today)
	}
	var ie *idcard.Error
	if errors.As(err, &ie) {
		zh, en := ie.Zh, ie.En
		if ie.Detail != "" {
			zh, en = zh+"（"+ie.Detail+"）", en+" ("+ie.Detail+")"
		}
		c.Add(apperr.FieldError{Field: "id_number", Code: ie.Code, Zh: zh, En: en, Value: idcard.Mask(in.IDNumber)})
		return
	} else if err != nil {
		c.AddField("id_number", "invalid", "身份证号无效", "invalid ID number")
		return
	}
	if in.Sex != 0 && in.Sex != id.Sex {
		c.AddField("sex", "sex_mismatch", "性别与身份证号不符（身份证号为"+id.Sex.Chinese()+"）",
			"sex does not agree with the ID number ("+id.Sex.String()+")")
	}
	if !in.BirthDate.IsZero() && in.BirthDate != id.BirthDate {
		c.AddField("birth_date", "birth_mismatch", "出生日期与身份证号不符（身份证号为"+id.BirthDate.String()+"）",
			"birth date does not agree with the ID number ("+id.BirthDate.String()+")")
	}
	in.Sex, in.BirthDate = id.Sex, id.BirthDate
}

// checkNoID validates a person registered without an ID number: a young
// child with sex and birth date given.
func checkNoID(in PersonInput, today civil.Date, c *apperr.Collector) {
	if in.Sex != idcard.Male && in.Sex != idcard.Female {
		c.AddField("sex", "required", "无身份证号时请选择性别", "sex is required when there is no ID number")
	}
	switch {
	case in.BirthDate.IsZero():
		c.AddField("birth_date", "required", "无身份证号时请填写出生日期", "birth date is required when there is no ID number")
	case in.BirthDate.After(today):
		c.AddField("birth_date", "future", "出生日期晚于今天", "birth date is in the future")
	case in.BirthDate.AgeOn(today) >= NoIDMaxAge:
		c.AddField("id_number", "required", fmt.Sprintf("仅未满%d周岁的儿童可暂无身份证号", NoIDMaxAge),
			fmt.Sprintf("only children under %d may be registered without an ID number", NoIDMaxAge))
	}
}

// fieldOf returns the first field error of an apperr error.
func fieldOf(err error) apperr.FieldError {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		return e.Fields[0]
	}
	return apperr.FieldError{Field: "", Code: "invalid", Zh: err.Error(), En: err.Error()}
}

const personCols = `p.id, p.household_id, h.number, p.area_path, COALESCE(p.id_number, ''), p.name, p.sex,
	p.birth_date, p.phone, p.relation, p.categories, p.status, COALESCE(p.status_date, ''),
	COALESCE(p.mother_id, 0), p.created_at, p.updated_at`

const personFrom = ` FROM persons p JOIN households h ON h.id = p.household_id`

func scanPerson(row interface{ Scan(...any) error }) (Person, error) {
	var p Person
	var sex, cats, created, updated string
	err := row.Scan(&p.ID, &p.HouseholdID, &p.HouseholdNumber, &p.AreaPath, &p.IDNumber, &p.Name, &sex,
		&p.BirthDate, &p.Phone, &p.Relation, &cats, &p.Status, &p.StatusDate, &p.MotherID, &created, &updated)
	if err != nil {
		return p, err
	}
	p.Sex = idcard.Female
	if sex == "1" {
		p.Sex = idcard.Male
	}
	p.Categories = categoriesFromCodes(cats)
	p.Created, _ = db.ParseTimestamp(created)
	p.Updated, _ = db.ParseTimestamp(updated)
	return p, nil
}

func sexCode(s idcard.Sex) string {
	if s == idcard.Male {
		return "1"
	}
	return "2"
}

// getPerson reads a person without scope checks.
func getPerson(ctx context.Context, q db.Querier, id int64, lock string) (Person, error) {
	p, err := scanPerson(q.QueryRowContext(ctx, `SELECT `+personCols+personFrom+` WHERE p.id = ?`+lock, id))
	if db.IsNoRows(err) {
		return p, errPersonNotFound
	}
	return p, err
}

// Person returns one person in the actor's scope.
func (s *Service) Person(ctx context.Context, id int64) (Person, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return Person{}, err
	}
	p, err := getPerson(ctx, s.db, id, "")
	if err != nil {
		return p, err
	}
	if !act.Scope.CoversArea(p.AreaPath) {
		return Person{}, errPersonNotFound
	}
	return p, nil
}

// PersonByIDNumber returns the person with this ID number in the actor's
// scope (not found otherwise). The enrollment desk and the HIS use it.
func (s *Service) PersonByIDNumber(ctx context.Context, number string) (Person, error) {
	act, err := actorOf(ctx)
	if err != nil {
		return Person{}, err
	}
	number = strings.TrimSpace(idcard.Normalize(number))
	p, err := scanPerson(s.db.QueryRowContext(ctx, `SELECT `+personCols+personFrom+` WHERE p.id_number = ?`, number))
	if db.IsNoRows(err) || (err == nil && !act.Scope.CoversArea(p.AreaPath)) {
		return Person{}, errPersonNotFound
	}
	return p, err
}

// duplicateID returns a Conflict error when number is already registered
// (to a person other than self), naming the household and the masked
// number, or nil.
func duplicateID(ctx context.Context, q db.Querier, number string, self int64) error {
	if number == "" {
		return nil
	}
	var pid int64
	var hnum, name string
	err := q.QueryRowContext(ctx, `SELECT p.id, h.number, p.name`+personFrom+` WHERE p.id_number = ?`, number).Scan(&pid, &hnum, &name)
	if db.IsNoRows(err) || (err == nil && pid == self) {
		return nil
	}
	if err != nil {
		return err
	}
	return duplicateIDError(number, hnum, name)
}

func duplicateIDError(number, householdNumber, name string) *apperr.Error {
	m := idcard.Mask(number)
	masked := maskName(name)
	e := apperr.Field("id_number", "duplicate_id",
		"身份证号 "+m+" 已登记在户 "+householdNumber+"（"+masked+"），不能重复登记",
		"ID number "+m+" is already registered in household "+householdNumber+" ("+masked+")")
	e.Kind = apperr.Conflict
	e.Code = "duplicate_id"
	e.Fields[0].Value = m
	return e
}

// maskName keeps the family name: 张三丰 → 张**.
func maskName(name string) string {
	r := []rune(name)
	if len(r) <= 1 {
		return name
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}
