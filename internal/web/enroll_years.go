package web

import (
	"net/http"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/enroll"
	"ncms/internal/money"
	"ncms/internal/registry"
)

// yearsData is the years list page.
type yearsData struct {
	Years   []enroll.Year
	CanEdit bool
}

func (c *Console) enrollYears(w http.ResponseWriter, r *http.Request) error {
	return c.renderYears(w, r, emptyForm("waiting_days", "90"))
}

func (c *Console) renderYears(w http.ResponseWriter, r *http.Request, f *Form) error {
	ys, err := c.enr().Years(r.Context())
	if err != nil {
		return err
	}
	d := yearsData{Years: ys, CanEdit: principal(r).Actor.Can(enroll.AdminRoles...)}
	return c.render(w, r, "enroll_years.html", View{Status: f.Status, Form: f, Data: d})
}

// yearInput reads the dates form.
func yearInput(f *Form, year int, c *apperr.Collector) enroll.YearInput {
	in := enroll.YearInput{Year: year, PeriodFrom: parseDate(f, "period_from", c), PeriodTo: parseDate(f, "period_to", c),
		WindowFrom: parseDate(f, "window_from", c), WindowTo: parseDate(f, "window_to", c), WaitingDays: -1, Note: f.Get("note")}
	if v := f.Get("waiting_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			c.AddField("waiting_days", "bad_number", "请输入天数", "enter a number of days")
		}
		in.WaitingDays = n
	}
	return in
}

func (c *Console) enrollYearCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var col apperr.Collector
	in := yearInput(f, int(f.Int("year")), &col)
	err = col.Err()
	if err == nil {
		_, err = c.enr().CreateYear(r.Context(), in)
	}
	if f.Catch(err) {
		return c.renderYears(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已创建年度，请设置缴费标准", En: "Year created; now set the contribution standard"})
	return redirect(w, r, "/enroll/years/"+strconv.Itoa(in.Year))
}

// stdCell is one amount of the standards grid.
type stdCell struct {
	Name, Value string
}

// stdRow is one source across the tiers.
type stdRow struct {
	Source enroll.Source
	Cells  []stdCell
	Due    stdCell
}

// subRow is one category's civil-affairs subsidy.
type subRow struct {
	Category       registry.Category
	Rate, Amount   stdCell
	DisplayCurrent string
}

// yearData is the year page: dates, standards grid, subsidies, status.
type yearData struct {
	Y       enroll.Year
	Tiers   []int
	Rows    []stdRow
	Subs    []subRow
	Presets []enroll.Preset
	CanEdit bool
	Locked  bool // people have enrolled: the standard is fixed
}

func (c *Console) enrollYear(w http.ResponseWriter, r *http.Request) error {
	y, err := pathYear(r)
	if err != nil {
		return err
	}
	yr, err := c.enr().Year(r.Context(), y)
	if err != nil {
		return err
	}
	return c.renderYear(w, r, yr, yearForm(yr))
}

// yearForm fills the page's forms from the year.
func yearForm(y enroll.Year) *Form {
	f := emptyForm("period_from", y.PeriodFrom.String(), "period_to", y.PeriodTo.String(), "window_from", y.WindowFrom.String(),
		"window_to", y.WindowTo.String(), "waiting_days", strconv.Itoa(y.WaitingDays), "note", y.Note)
	for _, s := range y.Standards {
		f.Values.Set(stdName(s.Tier, s.Source), s.Amount.String())
		if !s.DueDate.IsZero() {
			f.Values.Set("due_"+string(s.Source), s.DueDate.String())
		}
	}
	for _, s := range y.Subsidies {
		if s.Amount > 0 {
			f.Values.Set("sub_amount_"+string(s.Category), s.Amount.String())
		} else {
			f.Values.Set("sub_rate_"+string(s.Category), s.Rate.String())
		}
	}
	return f
}

func stdName(tier int, src enroll.Source) string {
	return "std_" + strconv.Itoa(tier) + "_" + string(src)
}

func (c *Console) renderYear(w http.ResponseWriter, r *http.Request, y enroll.Year, f *Form) error {
	d := yearData{Y: y, Presets: enroll.Presets(), CanEdit: principal(r).Actor.Can(enroll.AdminRoles...), Locked: y.ReceiptSeq > 0}
	n := len(y.Tiers()) + 1
	if d.Locked {
		n--
	}
	for t := 1; t <= n; t++ {
		d.Tiers = append(d.Tiers, t)
	}
	for _, src := range enroll.StandardSources {
		row := stdRow{Source: src, Due: stdCell{"due_" + string(src), f.Get("due_" + string(src))}}
		for _, t := range d.Tiers {
			row.Cells = append(row.Cells, stdCell{stdName(t, src), f.Get(stdName(t, src))})
		}
		d.Rows = append(d.Rows, row)
	}
	for _, cat := range registry.AllCategories {
		d.Subs = append(d.Subs, subRow{Category: cat, Rate: stdCell{"sub_rate_" + string(cat), f.Get("sub_rate_" + string(cat))},
			Amount: stdCell{"sub_amount_" + string(cat), f.Get("sub_amount_" + string(cat))}})
	}
	return c.render(w, r, "enroll_year.html", View{Status: f.Status, Form: f, Data: d})
}

func (c *Console) enrollYearUpdate(w http.ResponseWriter, r *http.Request) error {
	return c.yearPost(w, r, func(s *enroll.Service, y enroll.Year, f *Form) error {
		var col apperr.Collector
		in := yearInput(f, y.Year, &col)
		if err := col.Err(); err != nil {
			return err
		}
		_, err := s.UpdateYear(r.Context(), in)
		return err
	})
}

// enrollStandards saves the standards grid and the subsidies.
func (c *Console) enrollStandards(w http.ResponseWriter, r *http.Request) error {
	return c.yearPost(w, r, func(s *enroll.Service, y enroll.Year, f *Form) error {
		std, subs, err := readStandards(f)
		if err != nil {
			return err
		}
		_, err = s.SetStandards(r.Context(), y.Year, std, subs)
		return err
	})
}

// readStandards reads the grid: every non-empty amount is a line.
func readStandards(f *Form) ([]enroll.Standard, []enroll.Subsidy, error) {
	var col apperr.Collector
	var std []enroll.Standard
	for t := 1; t <= 9; t++ {
		for _, src := range enroll.StandardSources {
			if f.Get(stdName(t, src)) == "" {
				continue
			}
			std = append(std, enroll.Standard{Tier: t, Source: src, Amount: parseMoney(f, stdName(t, src), &col),
				DueDate: parseDate(f, "due_"+string(src), &col)})
		}
	}
	var subs []enroll.Subsidy
	for _, cat := range registry.AllCategories {
		rate, amt := f.Get("sub_rate_"+string(cat)), f.Get("sub_amount_"+string(cat))
		if rate == "" && amt == "" {
			continue
		}
		sb := enroll.Subsidy{Category: cat, Amount: parseMoney(f, "sub_amount_"+string(cat), &col)}
		if rate != "" {
			v, err := money.ParseRate(rate)
			if err != nil {
				col.AddField("sub_rate_"+string(cat), "bad_rate", "比例格式错误，如 100 或 50%", "not a percentage, e.g. 100 or 50%")
			}
			sb.Rate = v
		}
		subs = append(subs, sb)
	}
	return std, subs, col.Err()
}

// enrollPreset applies a seed standard to the year.
func (c *Console) enrollPreset(w http.ResponseWriter, r *http.Request) error {
	return c.yearPost(w, r, func(s *enroll.Service, y enroll.Year, f *Form) error {
		p, ok := enroll.PresetByKey(f.Get("preset"))
		if !ok {
			return apperr.Field("preset", "unknown", "未知的标准模板", "unknown preset")
		}
		_, err := s.SetStandards(r.Context(), y.Year, p.Standards, p.Subsidies)
		return err
	})
}

func (c *Console) enrollYearStatus(w http.ResponseWriter, r *http.Request) error {
	return c.yearPost(w, r, func(s *enroll.Service, y enroll.Year, f *Form) error {
		_, err := s.SetStatus(r.Context(), y.Year, enroll.Status(f.Get("status")))
		return err
	})
}

// yearPost runs a change of the year page and redirects back, or shows
// the page with the errors.
func (c *Console) yearPost(w http.ResponseWriter, r *http.Request, do func(*enroll.Service, enroll.Year, *Form) error) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	s := c.enr()
	y, err := s.Year(r.Context(), year)
	if err != nil {
		return err
	}
	err = do(s, y, f)
	if f.Catch(err) {
		for k, v := range yearForm(y).Values {
			if _, posted := f.Values[k]; !posted {
				f.Values[k] = v
			}
		}
		return c.renderYear(w, r, y, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已保存", En: "Saved"})
	return redirect(w, r, "/enroll/years/"+strconv.Itoa(year))
}
