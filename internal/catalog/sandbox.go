package catalog

import (
	"context"
	"fmt"

	"ncms/internal/civil"
	"ncms/internal/engine"
	"ncms/internal/money"
)

// sandboxItem is one item of the sandbox catalogue, as text for brevity.
type sandboxItem struct {
	code, name string
	kind       Kind
	class      engine.Class
	selfPay    int64 // percent
	price, cap string
	unit, fee  string
	essential  bool
	restrict   string
	levels     []string
}

var sandboxItems = []sandboxItem{
	{"XJ01CAA040A001010101445", "阿莫西林胶囊", Drug, engine.ClassA, 0, "0.25", "", "粒", "09", true, "", nil},
	{"XM01AEB010E001010101445", "布洛芬缓释胶囊", Drug, engine.ClassA, 0, "0.60", "", "粒", "09", true, "", nil},
	{"XB05XAS060B002010101445", "0.9%氯化钠注射液", Drug, engine.ClassA, 0, "2.50", "", "袋", "09", true, "", nil},
	{"XJ01DDA080A001010101445", "头孢克肟胶囊", Drug, engine.ClassB, 10, "3.20", "", "粒", "09", false, "", nil},
	{"ZC01AAF0195010103943", "复方丹参滴丸", Drug, engine.ClassB, 5, "0.35", "", "丸", "11", true, "", nil},
	{"XB05AAR010B002010100520", "人血白蛋白注射液", Drug, engine.ClassB, 5, "380.00", "", "瓶", "09", false,
		"限抢救、重症或因肝硬化、癌症引起胸腹水的患者", []string{"county", "city", "province"}},
	{"C330800001-01", "国产人工髋关节", ServiceItem, engine.ClassB, 30, "20000.00", "", "套", "08", false, "", []string{"county", "city", "province"}},
	{"C330800001-02", "进口人工髋关节", ServiceItem, engine.ClassB, 60, "45000.00", "", "套", "08", false, "", []string{"county", "city", "province"}},
	{"F110900001", "ICU病房床位费", Facility, engine.ClassB, 20, "500.00", "", "日", "01", false, "", []string{"county", "city", "province"}},
	{"F110200001", "普通病房床位费", Facility, engine.ClassA, 0, "30.00", "30.00", "日", "01", false, "", nil},
	{"S110200001", "一般诊疗费", ServiceItem, engine.ClassA, 0, "10.00", "10.00", "次", "12", false, "", nil},
	{"S250101001", "血常规检查", ServiceItem, engine.ClassA, 0, "20.00", "", "次", "04", false, "", nil},
	{"S210300001", "螺旋CT平扫", ServiceItem, engine.ClassB, 10, "200.00", "180.00", "部位", "03", false, "", []string{"township", "county", "city", "province"}},
	{"S331600001", "整形美容手术", ServiceItem, engine.ClassC, 0, "3000.00", "", "次", "06", false, "", nil},
	{"ZC99ZZZ0001010100001", "阿胶补血口服液", Drug, engine.ClassC, 0, "50.00", "", "盒", "11", false, "", nil},
}

// SandboxInputs returns the sandbox catalogue (`ncms sandbox`), valid from
// validFrom: class A drugs and services, class B items with self-pay shares
// of 5%, 10%, 20% (ICU ward), 30% (domestic joint) and 60% (imported joint),
// one restricted drug, level-limited items, price ceilings, and class C
// items.
func SandboxInputs(validFrom civil.Date) []Input {
	out := make([]Input, 0, len(sandboxItems))
	for _, it := range sandboxItems {
		in := Input{Code: it.code, Name: it.name, Kind: it.kind, Class: it.class, SelfPay: money.Percent(it.selfPay),
			Unit: it.unit, FeeType: it.fee, Essential: it.essential, Restricted: it.restrict != "",
			Restriction: it.restrict, Levels: it.levels, ValidFrom: validFrom}
		in.Price, _ = engine.ParsePrice(it.price)
		if it.cap != "" {
			in.PriceCap, _ = engine.ParsePrice(it.cap)
		}
		out = append(out, in)
	}
	return out
}

// CreateSandbox stores the sandbox catalogue, valid from validFrom.
func (s *Service) CreateSandbox(ctx context.Context, validFrom civil.Date) ([]Entry, error) {
	var out []Entry
	for _, in := range SandboxInputs(validFrom) {
		e, _, err := s.Save(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("sandbox catalogue %s: %w", in.Code, err)
		}
		out = append(out, e)
	}
	return out, nil
}
