package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/xuri/excelize/v2"

	"ncms/internal/fund"
)

// writeXLSXBook sends several tables as the sheets of one workbook.
func writeXLSXBook(w http.ResponseWriter, filename string, tables ...Table) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, t := range tables {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(t.Sheet); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(t.Sheet)
		if err != nil {
			return err
		}
		head := make([]any, len(t.Header))
		for j, h := range t.Header {
			head[j] = h
		}
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		for j, row := range t.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, j+2)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"export.xlsx\"; filename*=UTF-8''%s", url.PathEscape(filename+".xlsx")))
	_, err := f.WriteTo(w)
	return err
}

// fundTables are the sheets of the fund report: summary, income by
// source, spending by layer, kind and level, monthly plan vs actual.
// Money is its exact decimal string in yuan.
func fundTables(p *Page, r fund.Report) []Table {
	a := r.Allocation
	sum := Table{Sheet: p.Tr("基金概况", "Summary"), Header: []string{p.Tr("项目", "Item"), p.Tr("金额（元）", "Yuan"), p.Tr("万元", "10k yuan"), p.Tr("比例", "Ratio")}}
	add := func(zh, en string, f interface{ String() string }, wan, ratio string) {
		sum.Rows = append(sum.Rows, []any{p.Tr(zh, en), f.String(), wan, ratio})
	}
	add("筹资总额", "Fund raised", a.Raised, fund.Wan(a.Raised, 2), "")
	add("风险基金", "Risk reserve", a.Reserve, fund.Wan(a.Reserve, 2), fund.Percent(a.ReserveRate))
	add("专项基金", "Earmarked pools", a.PoolTotal, fund.Wan(a.PoolTotal, 2), "")
	add("可用基金", "Usable fund", a.Usable, fund.Wan(a.Usable, 2), "")
	add("月度计划支出", "Monthly plan", a.MonthlyPlan, fund.Wan(a.MonthlyPlan, 2), "")
	add("利息收入", "Interest", r.Interest, fund.Wan(r.Interest, 2), "")
	add("补偿支出（扣款后）", "Spent (net of deductions)", r.Spent, fund.Wan(r.Spent, 2), fund.Percent(r.Utilization))
	add("违规扣款", "Deductions", r.Deductions, fund.Wan(r.Deductions, 2), "")
	add("当年结余", "Same-year surplus", r.YearSurplus, fund.Wan(r.YearSurplus, 2), fund.Percent(r.YearSurplusRatio))
	add("累计结余", "Cumulative balance", r.Balance, fund.Wan(r.Balance, 2), fund.Percent(r.CumulativeRatio))
	add("累计结余上限(25%)", "Cumulative limit (25%)", r.CumulativeLimit, fund.Wan(r.CumulativeLimit, 2), "")
	add("超出上限", "Excess over the limit", r.Excess, fund.Wan(r.Excess, 2), "")
	inc := Table{Sheet: p.Tr("筹资到账", "Income"), Header: []string{p.Tr("来源", "Source"), p.Tr("应收", "Due"), p.Tr("已到账", "Received"),
		p.Tr("未到账", "Outstanding"), p.Tr("到账率", "Arrival rate"), p.Tr("最长逾期天数", "Days late")}}
	for _, l := range append(append([]fund.SourceLine{}, r.Income...), r.IncomeSum) {
		inc.Rows = append(inc.Rows, []any{l.Source, l.Due.String(), l.Received.String(), l.Outstanding.String(), fund.Percent(l.Rate), l.LateDays})
	}
	sp := Table{Sheet: p.Tr("补偿支出", "Spending"), Header: []string{p.Tr("分类", "By"), p.Tr("项目", "Item"), p.Tr("金额", "Amount"), p.Tr("占比", "Share")}}
	for _, g := range []struct {
		zh, en string
		list   []fund.Amount
	}{{"保障层次", "Layer", r.ByLayer}, {"就诊类型", "Visit kind", r.ByKind}, {"机构级别", "Level", r.ByLevel}} {
		for _, x := range g.list {
			sp.Rows = append(sp.Rows, []any{p.Tr(g.zh, g.en), x.Zh, x.Amount.String(), fund.Percent(fund.Ratio(x.Amount, r.Spent+r.Deductions))})
		}
	}
	mo := Table{Sheet: p.Tr("月度计划与实际", "Monthly"), Header: []string{p.Tr("月份", "Month"), p.Tr("计划", "Plan"), p.Tr("实际", "Actual"),
		p.Tr("执行率", "Rate"), p.Tr("累计计划", "Cumulative plan"), p.Tr("累计实际", "Cumulative actual"), p.Tr("累计执行率", "Cumulative rate")}}
	for _, m := range r.Months {
		mo.Rows = append(mo.Rows, []any{m.Month, m.Plan.String(), m.Actual.String(), fund.Percent(m.Rate), m.CumPlan.String(), m.CumActual.String(), fund.Percent(m.CumRate)})
	}
	return []Table{sum, inc, sp, mo}
}
