package enroll

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// EnrollInput enrolls a household (or some of its members) for a year.
type EnrollInput struct {
	Year        int   `json:"year"`
	HouseholdID int64 `json:"household_id"`
	// Tier is the household's chosen tier. When members join a household
	// already enrolled for the year, zero means the household's tier, and
	// any other tier is refused: every member uses the same tier.
	Tier   int        `json:"tier"`
	PaidOn civil.Date `json:"paid_on"` // payment date; zero: today
	Method string     `json:"method"`  // how the person paid: cash (default), bank, pos, wechat, alipay
	// PersonIDs empty enrolls every active member, all or nothing, and is
	// refused when any of them is already enrolled for the year. Otherwise
	// only these active members enroll (a newborn, someone who moved in,
	// someone left out), joining the household's tier.
	PersonIDs []int64 `json:"person_i_ds"`
}

// Methods are the accepted payment methods.
var Methods = []string{"cash", "bank", "pos", "wechat", "alipay"}

// member is an active household member with this year's enrollment, if any.
type member struct {
	Member
	enrolledTier int // 0 when not enrolled for the year
}

// plan is a checked enrollment ready to write.
type plan struct {
	year      Year
	household householdRow
	quote     Quote
	method    string
}

type householdRow struct {
	ID       int64
	Number   string
	AreaPath string
}

// Quote returns what Enroll would charge, without writing: the desk shows
// it before taking the money.
func (s *Service) Quote(ctx context.Context, in EnrollInput) (Quote, error) {
	act, err := actor(ctx, DeskRoles...)
	if err != nil {
		return Quote{}, err
	}
	p, err := s.prepare(ctx, s.db, act, in, "")
	return p.quote, err
}

// Enroll enrolls the household's members for the year in one transaction:
// one enrollment row per person, the amounts due per person and source, and
// a payment with the next receipt number of the year for the part people
// pay themselves (civil affairs pays for subsidized categories). It returns
// the receipt.
func (s *Service) Enroll(ctx context.Context, in EnrollInput) (Receipt, error) {
	var paymentID int64
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		act, err := actor(ctx, DeskRoles...)
		if err != nil {
			return err
		}
		p, err := s.prepare(ctx, tx, act, in, s.db.ForUpdate())
		if err != nil {
			return err
		}
		paymentID, err = s.write(ctx, tx, act, p)
		return err
	})
	if err != nil {
		return Receipt{}, err
	}
	return s.Receipt(ctx, paymentID)
}

// prepare loads and checks everything an enrollment needs and computes
// its quote. lock is ForUpdate when writing (it locks the year row, which
// also serialises receipt numbers).
func (s *Service) prepare(ctx context.Context, q db.Querier, act access.Actor, in EnrollInput, lock string) (plan, error) {
	var p plan
	if in.PaidOn.IsZero() {
		in.PaidOn = s.Today()
	}
	if in.PaidOn.After(s.Today()) {
		return p, apperr.Field("paid_on", "future", "缴费日期不能晚于今天", "payment date cannot be in the future")
	}
	if p.method = strings.TrimSpace(in.Method); p.method == "" {
		p.method = "cash"
	} else if !slices.Contains(Methods, p.method) {
		return p, apperr.Field("method", "bad_method", "缴费方式无效", "unknown payment method")
	}
	y, err := loadYear(ctx, q, in.Year, lock)
	if err != nil {
		return p, err
	}
	if y.Status != Open {
		return p, apperr.New(apperr.Conflict, "year_not_open", fmt.Sprintf("%d年度未开放参合（%s）", y.Year, y.Status.Zh()),
			fmt.Sprintf("year %d is not open for enrollment (%s)", y.Year, y.Status))
	}
	p.year = y
	if p.household, err = loadHousehold(ctx, q, act, in.HouseholdID); err != nil {
		return p, err
	}
	all, err := householdMembers(ctx, q, in.HouseholdID, in.Year)
	if err != nil {
		return p, err
	}
	chosen, tier, err := choose(all, in)
	if err != nil {
		return p, err
	}
	p.quote, err = Compute(y, tier, in.PaidOn, chosen)
	return p, err
}

// loadHousehold reads a household in the actor's scope.
func loadHousehold(ctx context.Context, q db.Querier, act access.Actor, id int64) (householdRow, error) {
	var h householdRow
	err := q.QueryRowContext(ctx, `SELECT id, number, area_path FROM households WHERE id = ?`, id).Scan(&h.ID, &h.Number, &h.AreaPath)
	if db.IsNoRows(err) || (err == nil && !act.Scope.CoversArea(h.AreaPath)) {
		return h, errHouseholdNotFound
	}
	return h, err
}

// householdMembers lists the active members, head first, with their
// enrollment for the year.
func householdMembers(ctx context.Context, q db.Querier, household int64, year int) ([]member, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.name, COALESCE(p.id_number, ''), p.relation, p.birth_date, p.categories,
		COALESCE((SELECT e.tier FROM enrollments e WHERE e.person_id = p.id AND e.year = ? AND e.cancelled_at IS NULL), 0)
		FROM persons p WHERE p.household_id = ? AND p.status = 'active'
		ORDER BY CASE WHEN p.relation = ? THEN 0 ELSE 1 END, p.birth_date, p.id`, year, household, registry.Head)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []member
	for rows.Next() {
		var m member
		var idn, cats string
		if err := rows.Scan(&m.PersonID, &m.Name, &idn, &m.Relation, &m.BirthDate, &cats, &m.enrolledTier); err != nil {
			return nil, err
		}
		m.MaskedID = idcard.Mask(idn)
		m.Categories, _ = registry.ParseCategories(cats)
		out = append(out, m)
	}
	return out, rows.Err()
}

// choose picks the members to enroll and the tier, or says why not.
func choose(all []member, in EnrollInput) ([]Member, int, error) {
	var enrolled []string
	householdTier := 0
	for _, m := range all {
		if m.enrolledTier != 0 {
			enrolled = append(enrolled, m.Name)
			householdTier = m.enrolledTier
		}
	}
	if len(in.PersonIDs) == 0 {
		if len(enrolled) > 0 {
			return nil, 0, errAlreadyEnrolled(in.Year, enrolled)
		}
		if in.Tier == 0 {
			return nil, 0, apperr.Field("tier", "required", "请选择缴费档次", "choose a tier")
		}
		out := make([]Member, len(all))
		for i, m := range all {
			out[i] = m.Member
		}
		return out, in.Tier, nil
	}
	return chooseSome(all, in, householdTier)
}

// chooseSome picks named members joining the household's enrollment.
func chooseSome(all []member, in EnrollInput, householdTier int) ([]Member, int, error) {
	tier := in.Tier
	if householdTier != 0 {
		if tier != 0 && tier != householdTier {
			return nil, 0, apperr.Field("tier", "tier_mismatch",
				fmt.Sprintf("本户已按第%d档参合，家庭成员须选择同一档次", householdTier),
				fmt.Sprintf("the household is enrolled in tier %d; every member uses the same tier", householdTier))
		}
		tier = householdTier
	}
	if tier == 0 {
		return nil, 0, apperr.Field("tier", "required", "请选择缴费档次", "choose a tier")
	}
	var out []Member
	for i, id := range in.PersonIDs {
		j := slices.IndexFunc(all, func(m member) bool { return m.PersonID == id })
		switch {
		case j < 0:
			return nil, 0, apperr.Field(fmt.Sprintf("person_ids[%d]", i+1), "not_member", "该人员不是本户在册成员", "not an active member of the household")
		case all[j].enrolledTier != 0:
			return nil, 0, errAlreadyEnrolled(in.Year, []string{all[j].Name})
		case slices.ContainsFunc(out, func(m Member) bool { return m.PersonID == id }):
			continue
		}
		out = append(out, all[j].Member)
	}
	return out, tier, nil
}

func errAlreadyEnrolled(year int, names []string) error {
	return apperr.New(apperr.Conflict, "already_enrolled",
		fmt.Sprintf("%s已参加%d年度新农合，不能重复参合", strings.Join(names, "、"), year),
		fmt.Sprintf("%d already enrolled for %d; enrolling twice is refused", len(names), year))
}
