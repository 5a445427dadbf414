package api

import (
	"net/http"

	"ncms/internal/civil"
	"ncms/internal/enroll"
	"ncms/internal/httpx"
	"ncms/internal/money"
)

// yearBody is a scheme year as the API shows it: the year with its tiers'
// per-person totals.
type yearBody struct {
	enroll.Year
	TierTotals map[int]money.Fen `json:"tier_totals"`
}

func yearOut(y enroll.Year) yearBody {
	b := yearBody{Year: y, TierTotals: map[int]money.Fen{}}
	for _, t := range y.Tiers() {
		b.TierTotals[t] = y.TierTotal(t)
	}
	if b.Standards == nil {
		b.Standards = []enroll.Standard{}
	}
	if b.Subsidies == nil {
		b.Subsidies = []enroll.Subsidy{}
	}
	return b
}

func (a *API) enrollHousehold(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	y, err := queryYear(r)
	if err != nil {
		return err
	}
	hs, err := a.enroll().Household(r.Context(), id, y)
	if err != nil {
		return err
	}
	return ok(w, hs)
}

// enrollInput is the body of a quote or an enrollment.
type enrollInput struct {
	Year        int        `json:"year"`
	HouseholdID int64      `json:"household_id"`
	Tier        int        `json:"tier"`
	PaidOn      civil.Date `json:"paid_on"`
	Method      string     `json:"method"`
	PersonIDs   []int64    `json:"person_ids"`
}

func (in enrollInput) service() enroll.EnrollInput {
	return enroll.EnrollInput{Year: in.Year, HouseholdID: in.HouseholdID, Tier: in.Tier, PaidOn: in.PaidOn,
		Method: in.Method, PersonIDs: in.PersonIDs}
}

func (a *API) enrollQuote(w http.ResponseWriter, r *http.Request) error {
	var in enrollInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	q, err := a.enroll().Quote(r.Context(), in.service())
	if err != nil {
		return err
	}
	return ok(w, q)
}

func (a *API) enrollCreate(w http.ResponseWriter, r *http.Request) error {
	var in enrollInput
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	rc, err := a.enroll().Enroll(r.Context(), in.service())
	if err != nil {
		return err
	}
	return created(w, rc)
}

func (a *API) enrollReceipt(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	rc, err := a.enroll().Receipt(r.Context(), id)
	if err != nil {
		return err
	}
	return ok(w, rc)
}

func (a *API) enrollReceiptByNo(w http.ResponseWriter, r *http.Request) error {
	rc, err := a.enroll().ReceiptByNo(r.Context(), r.URL.Query().Get("no"))
	if err != nil {
		return err
	}
	return ok(w, rc)
}

func (a *API) enrollCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		PersonIDs []int64    `json:"person_ids"`
		Reason    string     `json:"reason"`
		On        civil.Date `json:"on"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	rc, err := a.enroll().Cancel(r.Context(), enroll.CancelInput{PaymentID: id, PersonIDs: in.PersonIDs, Reason: in.Reason, On: in.On})
	if err != nil {
		return err
	}
	return ok(w, rc)
}

func (a *API) enrollReceivables(w http.ResponseWriter, r *http.Request) error {
	y, err := queryYear(r)
	if err != nil {
		return err
	}
	rec, err := a.enroll().Receivables(r.Context(), y)
	if err != nil {
		return err
	}
	return ok(w, rec)
}

func (a *API) enrollArrivals(w http.ResponseWriter, r *http.Request) error {
	y, err := queryYear(r)
	if err != nil {
		return err
	}
	as, err := a.enroll().Arrivals(r.Context(), y)
	if err != nil {
		return err
	}
	if as == nil {
		as = []enroll.Arrival{}
	}
	return ok(w, map[string]any{"arrivals": as})
}

func (a *API) enrollArrivalCreate(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Year      int           `json:"year"`
		Source    enroll.Source `json:"source"`
		Amount    money.Fen     `json:"amount"`
		ArrivedOn civil.Date    `json:"arrived_on"`
		DueDate   civil.Date    `json:"due_date"`
		Reference string        `json:"reference"`
		Note      string        `json:"note"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	ar, err := a.enroll().RecordArrival(r.Context(), enroll.ArrivalInput{Year: in.Year, Source: in.Source, Amount: in.Amount,
		ArrivedOn: in.ArrivedOn, DueDate: in.DueDate, Reference: in.Reference, Note: in.Note})
	if err != nil {
		return err
	}
	return created(w, ar)
}

func (a *API) enrollArrivalReverse(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	ar, err := a.enroll().ReverseArrival(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	return created(w, ar)
}

// enrollCoverage answers "is this person covered on date": by person_id or
// id_number in the body (never in the URL); date defaults to today.
func (a *API) enrollCoverage(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		PersonID int64      `json:"person_id"`
		IDNumber string     `json:"id_number"`
		Date     civil.Date `json:"date"`
	}
	if err := httpx.ReadJSON(r, &in); err != nil {
		return err
	}
	s := a.enroll()
	if in.Date.IsZero() {
		in.Date = s.Today()
	}
	var c enroll.Coverage
	var err error
	if in.IDNumber != "" {
		c, err = s.CoverageByIDNumber(r.Context(), in.IDNumber, in.Date)
	} else {
		c, err = s.Coverage(r.Context(), in.PersonID, in.Date)
	}
	if err != nil {
		return err
	}
	return ok(w, c)
}
