package api

import (
	"fmt"
	"net/http"
	"net/url"

	"ncms/internal/httpx"
	"ncms/internal/stats"
)

// statsRoutes: the statistical tables of SPEC §12 (docs/stats.md). A
// township user gets its township's figures.
func (a *API) statsRoutes() []httpx.Route {
	read, area := stats.ReadRoles, httpx.ScopeArea
	return []httpx.Route{
		{Method: "GET", Pattern: "/stats", Roles: read, Scope: area, Handler: a.statsList},
		{Method: "GET", Pattern: "/stats/records", Roles: read, Scope: area, Handler: a.statsRecords},
		{Method: "GET", Pattern: "/stats/{report}", Roles: read, Scope: area, Handler: a.statsTable},
	}
}

func (a *API) statsList(w http.ResponseWriter, r *http.Request) error {
	type rep struct {
		Name      string `json:"name"`
		Zh        string `json:"name_zh"`
		En        string `json:"name_en"`
		DefaultBy string `json:"default_by"`
	}
	var out []rep
	for _, x := range stats.Reports {
		out = append(out, rep{x.Name, x.Zh, x.En, string(x.DefaultBy)})
	}
	var ins []map[string]string
	for _, in := range stats.Indicators {
		ins = append(ins, map[string]string{"key": in.Key, "name_zh": in.Zh, "name_en": in.En, "kind": string(in.Kind), "definition": in.Def})
	}
	return ok(w, map[string]any{"reports": out, "indicators": ins, "dims": stats.Dims})
}

// statsTable answers GET /stats/{report}?year=&month=|quarter=|from=&to=&by=&format=json|csv|xlsx.
func (a *API) statsTable(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	qq, err := stats.ParseQuery(func(k string) string {
		if k == "report" {
			return r.PathValue("report")
		}
		return q.Get(k)
	})
	if err != nil {
		return err
	}
	t, err := stats.New(a.db).Table(r.Context(), qq)
	if err != nil {
		return err
	}
	switch f := q.Get("format"); f {
	case "csv", "xlsx":
		ct := "text/csv; charset=utf-8"
		if f == "xlsx" {
			ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"stats.%s\"; filename*=UTF-8''%s", f,
			url.PathEscape(t.Title+"-"+t.Period+"."+f)))
		return stats.Write(w, t, f)
	}
	return ok(w, t)
}

// statsRecords answers GET /stats/records?year=…&by=&key=&limit=&offset=:
// the settlements and claims behind a cell.
func (a *API) statsRecords(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := stats.ParsePeriod(q.Get)
	if err != nil {
		return err
	}
	by, err := stats.ParseDim(q.Get("by"))
	if err != nil {
		return err
	}
	list, n, err := stats.New(a.db).Records(r.Context(), stats.Drill{Period: p, By: by, Key: q.Get("key"),
		Limit: atoi(q.Get("limit"), 100), Offset: atoi(q.Get("offset"), 0)})
	if err != nil {
		return err
	}
	return ok(w, map[string]any{"total": n, "records": list})
}
