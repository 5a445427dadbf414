package enroll

import (
	"fmt"

	"ncms/internal/civil"
	"ncms/internal/registry"
)

// Reason says why a person is not covered on a day.
type Reason string

// The reasons.
const (
	NotEnrolled  Reason = "not_enrolled"   // no enrollment for the year
	Waiting      Reason = "waiting"        // enrolled, but the waiting period runs until Coverage.From
	Cancelled    Reason = "cancelled"      // the enrollment was cancelled
	Deceased     Reason = "deceased"       // died before the day
	MovedOut     Reason = "moved_out"      // moved out before the day
	NotBorn      Reason = "not_born"       // the day is before the birth date
	NoSchemeYear Reason = "no_scheme_year" // no scheme year's benefit period contains the day
)

// Via says how a covered person is covered.
type Via string

// The ways of being covered.
const (
	ViaOwn    Via = "own"    // the person's own enrollment
	ViaMother Via = "mother" // a newborn through the mother's enrollment
)

// Coverage answers "is this person covered on Date, and in which tier".
type Coverage struct {
	PersonID     int64      `json:"person_id"`
	Date         civil.Date `json:"date"`
	Covered      bool       `json:"covered"`
	Year         int        `json:"year"` // the scheme year whose period contains Date (0 when none)
	Tier         int        `json:"tier"`
	From         civil.Date `json:"from"` // the coverage of the enrollment found (also set when Waiting)
	To           civil.Date `json:"to"`
	Via          Via        `json:"via"`
	EnrollmentID int64      `json:"enrollment_id"` // the enrollment that covers (the mother's when Via is ViaMother)
	Reason       Reason     `json:"reason"`        // why not, when !Covered
	Since        civil.Date `json:"since"`
	ZhMessage    string     `json:"zh_message"`
	EnMessage    string     `json:"en_message"`
}

// CoverRow is one enrollment as coverage sees it.
type CoverRow struct {
	ID        int64
	Year      int
	Tier      int
	From      civil.Date
	To        civil.Date
	Cancelled bool
}

// CoverFacts are the rows Decide needs: the person, the scheme year whose
// benefit period contains the day (Year == 0 when none), the person's
// enrollments in that year and, for a child with a mother, hers.
type CoverFacts struct {
	PersonID   int64
	BirthDate  civil.Date
	Status     registry.Status
	StatusDate civil.Date
	MotherID   int64
	Year       int
	PeriodFrom civil.Date
	PeriodTo   civil.Date
	Own        []CoverRow
	Mother     []CoverRow
}

// Decide answers the coverage question from rows, without the database.
// The order of the checks is: born, alive and still here on the day, a
// scheme year for the day, then the person's own uncancelled enrollment
// (covered, or waiting), then — for a child born within the year's period
// whose mother has an uncancelled enrollment that year — coverage through
// the mother from birth under her tier, then cancelled or not enrolled.
// Death or moving out ends coverage after that day.
func Decide(f CoverFacts, d civil.Date) Coverage {
	c := Coverage{PersonID: f.PersonID, Date: d, Year: f.Year}
	switch {
	case d.Before(f.BirthDate):
		return c.not(NotBorn, f.BirthDate)
	case f.Status == registry.Deceased && d.After(f.StatusDate):
		return c.not(Deceased, f.StatusDate)
	case f.Status == registry.MovedOut && d.After(f.StatusDate):
		return c.not(MovedOut, f.StatusDate)
	case f.Year == 0:
		return c.not(NoSchemeYear, civil.Date{})
	}
	own, cancelled := active(f.Own)
	if own != nil && !d.Before(own.From) && !d.After(own.To) {
		return c.covered(*own, ViaOwn)
	}
	if m, _ := active(f.Mother); m != nil && f.MotherID != 0 && f.BirthDate.Within(f.PeriodFrom, f.PeriodTo) {
		via := CoverRow{ID: m.ID, Year: m.Year, Tier: m.Tier, From: latest(f.BirthDate, m.From), To: m.To}
		if !d.Before(via.From) && !d.After(via.To) {
			return c.covered(via, ViaMother)
		}
		if own == nil {
			own = &via
		}
	}
	switch {
	case own != nil:
		c.Tier, c.From, c.To, c.EnrollmentID = own.Tier, own.From, own.To, own.ID
		return c.not(Waiting, own.From)
	case cancelled:
		return c.not(Cancelled, civil.Date{})
	}
	return c.not(NotEnrolled, civil.Date{})
}

// active returns the uncancelled row (at most one per year) and whether a
// cancelled one exists.
func active(rows []CoverRow) (*CoverRow, bool) {
	var cancelled bool
	for i := range rows {
		if !rows[i].Cancelled {
			return &rows[i], cancelled
		}
		cancelled = true
	}
	return nil, cancelled
}

func (c Coverage) covered(r CoverRow, via Via) Coverage {
	c.Covered, c.Tier, c.From, c.To, c.Via, c.EnrollmentID = true, r.Tier, r.From, r.To, via, r.ID
	c.Reason = ""
	if via == ViaMother {
		c.ZhMessage = fmt.Sprintf("随母亲参合（%s），%s至%s", TierName(r.Tier), r.From, r.To)
		c.EnMessage = fmt.Sprintf("covered through the mother (tier %d), %s to %s", r.Tier, r.From, r.To)
	} else {
		c.ZhMessage = fmt.Sprintf("已参合（%s），%s至%s", TierName(r.Tier), r.From, r.To)
		c.EnMessage = fmt.Sprintf("covered (tier %d), %s to %s", r.Tier, r.From, r.To)
	}
	return c
}

func (c Coverage) not(r Reason, since civil.Date) Coverage {
	c.Covered, c.Reason, c.Since = false, r, since
	c.ZhMessage, c.EnMessage = r.Message(c.Year, since)
	return c
}

// Message explains the reason in Chinese and English; at is the date the
// reason names (waiting until, deceased on, ...).
func (r Reason) Message(year int, at civil.Date) (zh, en string) {
	switch r {
	case NotEnrolled:
		return fmt.Sprintf("未参加%d年度新农合", year), fmt.Sprintf("not enrolled for %d", year)
	case Waiting:
		return fmt.Sprintf("处于等待期，%s起享受待遇", at), fmt.Sprintf("in the waiting period; covered from %s", at)
	case Cancelled:
		return fmt.Sprintf("%d年度参合已撤销", year), fmt.Sprintf("the %d enrollment was cancelled", year)
	case Deceased:
		return fmt.Sprintf("已于%s死亡", at), fmt.Sprintf("deceased on %s", at)
	case MovedOut:
		return fmt.Sprintf("已于%s迁出", at), fmt.Sprintf("moved out on %s", at)
	case NotBorn:
		return fmt.Sprintf("就诊日期早于出生日期%s", at), fmt.Sprintf("the day is before the birth date %s", at)
	case NoSchemeYear:
		return "该日期不在任何参合年度的待遇期内", "no scheme year covers the day"
	}
	return string(r), string(r)
}
