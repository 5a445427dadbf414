package stats_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/ledger"
	"ncms/internal/money"
	"ncms/internal/stats"
)

// Panyu (SPEC §13.3): 557,399 × 120 = 66,887,880 raised; spent
// 63,531,209.63 = 94.98%; surplus 3,356,670.37. The money raised is one
// aggregate receipt entry in the ledger (what the fund report reads); the
// spending is three settlements adding up to the year's figure.
func TestPanyuFundUtilization(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		town := f.area(f.root, "township", "440126100", "市桥镇")
		f.area(town, "village", "440126100001", "东涌村")
		f.person("a", "h1", "东涌村", "", "active", "")
		f.institution("番禺区人民医院", "county", true)
		err := d.InTx(f.ctx, func(tx *db.Tx) error {
			_, err := ledger.Post(f.ctx, tx, ledger.ForContribution(2026, civil.New(2025, 12, 20), 0, "557,399 人 × 120 汇总",
				[]ledger.SourceAmount{{Source: "government", Amount: money.Yuan(120) * 557399}}))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"30000000.00", "20000000.00", "13531209.63"} {
			f.settle("a", "番禺区人民医院", "inpatient", "21", "21", "2026-06-30", amounts{cost: "90000000", inscope: a, basic: a}, 0)
		}
		tab, err := stats.New(d).Table(f.as(access.Finance, ""), stats.Query{Report: "summary", Period: stats.Year(2026)})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"raised": "66887880.00", "compensation": "63531209.63", "utilization": "94.98%",
			"utilization_raised": "94.98%", "surplus_ratio": "5.02%"}
		for _, r := range tab.Rows {
			if w, ok := want[r.Key]; ok && r.Cells[0].String() != w {
				t.Errorf("%s = %s, want %s", r.Key, r.Cells[0], w)
			}
		}
	})
}

// Pan county (SPEC §12, §13.1): benefit rate 206,911 ÷ 947,387 = 21.84%;
// six months' compensation 4,521.32万 = 43.68% of the monthly plan
// (1,725.03万 × 6) = 21.84% of usable (20,700.4万); outpatient 303.06万 =
// 6.7% of it; participation 947,387 ÷ 966,762 = 98%. The definitions on
// the seed's own aggregates (the benchmark computes them on real rows).
func TestPanCountyIndicators(t *testing.T) {
	f := &stats.Facts{Benefited: 206911, Enrollees: 947387, Eligible: 966762,
		Fund: money.MustParse("45213200"), OutFund: money.MustParse("3030600")}
	c := stats.Ctx{Area: true, Months: 6, Fund: stats.Fund{Known: true, Raised: money.MustParse("217899010"),
		Usable: money.MustParse("207004059.50"), MonthlyPlan: money.MustParse("17250338.29")}}
	want := map[string]string{"benefit_rate": "21.84%", "utilization": "21.84%", "plan_rate": "43.68%",
		"outpatient_share": "6.70%", "participation_rate": "98.00%"}
	for k, w := range want {
		in, _ := stats.IndicatorByKey(k)
		if got := in.Of(f, c).String(); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
}

// Every report, in every format, with drill-down records: no full ID
// number, no phone number, no diagnosis.
func TestOutputsCarryNoPersonalData(t *testing.T) {
	d := dbtest.SQLite(t)
	f := small(t, d)
	s := stats.New(d)
	ctx := f.as(access.Admin, "")
	forbidden := append(append([]string{"J18.9", "K35.8", "肺炎", "6228480000000000001"}, f.ids...), f.phones...)
	check := func(what string, out string) {
		t.Helper()
		for _, x := range forbidden {
			if strings.Contains(out, x) {
				t.Errorf("%s contains %q", what, x)
			}
		}
	}
	for _, rep := range stats.Reports {
		for _, by := range append([]stats.Dim{""}, stats.Dims...) {
			tab, err := s.Table(ctx, stats.Query{Report: rep.Name, Period: stats.Year(2026), By: by})
			if err != nil {
				continue // a dimension the report does not have
			}
			for _, format := range stats.Formats {
				var b bytes.Buffer
				if err := stats.Write(&b, tab, format); err != nil {
					t.Fatal(err)
				}
				out := b.String()
				if format == "xlsx" {
					out = unzipText(t, b.Bytes())
					if !strings.Contains(out, "合计") && by != "" {
						t.Errorf("%s by %s xlsx: no totals row", rep.Name, by)
					}
				}
				check(rep.Name+" "+string(by)+" "+format, out)
			}
		}
	}
	recs, _, err := s.Records(ctx, stats.Drill{Period: stats.Year(2026)})
	if err != nil || len(recs) != 7 {
		t.Fatalf("records %d %v", len(recs), err)
	}
	var b bytes.Buffer
	for _, r := range recs {
		b.WriteString(r.Person + r.Area + r.Institution + r.Kind + "\n")
		if strings.Contains(r.Person, "p") {
			t.Errorf("name not masked: %s", r.Person)
		}
	}
	check("records", b.String())
}

// unzipText is every XML part of a workbook, concatenated.
func unzipText(t *testing.T, b []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, f := range zr.File {
		rc, _ := f.Open()
		x, _ := io.ReadAll(rc)
		rc.Close()
		sb.Write(x)
	}
	return sb.String()
}
