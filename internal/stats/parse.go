package stats

import (
	"strconv"
	"strings"

	"ncms/internal/apperr"
	"ncms/internal/civil"
)

// ParseQuery reads a query from request parameters (the API and the
// console): report, year (required), month | quarter | from and to, by.
func ParseQuery(get func(string) string) (Query, error) {
	q := Query{Report: strings.TrimSpace(get("report"))}
	p, err := ParsePeriod(get)
	if err != nil {
		return q, err
	}
	q.Period = p
	q.By, err = ParseDim(get("by"))
	return q, err
}

// ParsePeriod reads year, month, quarter, from, to.
func ParsePeriod(get func(string) string) (Period, error) {
	bad := apperr.Field("year", "bad_period", "请给出年度（以及月份、季度或起止日期之一）", "give a year (and one of month, quarter, or from and to)")
	year, err := strconv.Atoi(strings.TrimSpace(get("year")))
	if err != nil || year < 1990 || year > 2200 {
		return Period{}, bad
	}
	num := func(k string) int {
		n, _ := strconv.Atoi(strings.TrimSpace(get(k)))
		return n
	}
	var p Period
	switch m, qu, from, to := num("month"), num("quarter"), get("from"), get("to"); {
	case m != 0 && qu == 0 && from == "":
		p = Month(year, m)
	case qu != 0 && m == 0 && from == "":
		p = Quarter(year, qu)
	case from != "" || to != "":
		f, err1 := civil.Parse(from)
		t, err2 := civil.Parse(to)
		if err1 != nil || err2 != nil || m != 0 || qu != 0 {
			return p, bad
		}
		p = Custom(year, f, t)
	default:
		p = Year(year)
	}
	return p, p.Check()
}
