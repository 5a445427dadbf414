package enroll

import (
	"ncms/internal/money"
	"ncms/internal/registry"
)

// Preset is a contribution standard taken from the seed documents (SPEC
// §4), offered on the standards page and used as test fixtures.
type Preset struct {
	Key       string     `json:"key"`
	Zh        string     `json:"zh"`
	En        string     `json:"en"`
	Standards []Standard `json:"standards"`
	Subsidies []Subsidy  `json:"subsidies"`
}

// DefaultSubsidies: civil affairs pays the whole individual share for
// 五保, 低保, 特困 and 优抚 (SPEC §4).
func DefaultSubsidies() []Subsidy {
	return []Subsidy{
		{Category: registry.Wubao, Rate: money.Whole},
		{Category: registry.Dibao, Rate: money.Whole},
		{Category: registry.Tekun, Rate: money.Whole},
		{Category: registry.Youfu, Rate: money.Whole},
	}
}

func tier1(pairs ...any) []Standard {
	var out []Standard
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, Standard{Tier: 1, Source: pairs[i].(Source), Amount: money.Yuan(int64(pairs[i+1].(int)))})
	}
	return out
}

// Presets lists the seed standards.
func Presets() []Preset {
	return []Preset{
		{Key: "pan", Zh: "盘县：个人30元 + 各级财政200元 = 230元", En: "Pan county: individual 30 + government 200 = 230",
			Standards: tier1(Individual, 30, Government, 200), Subsidies: DefaultSubsidies()},
		{Key: "s11", Zh: "S11：个人20 + 县10 + 省30 + 中央40 = 100元", En: "S11: individual 20 + county 10 + province 30 + central 40 = 100",
			Standards: tier1(Individual, 20, County, 10, Provincial, 30, Central, 40), Subsidies: DefaultSubsidies()},
		{Key: "s14", Zh: "S14：中央124 + 自治区38 + 地区10 + 县28 + 个人30 = 230元",
			En:        "S14: central 124 + region 38 + prefecture 10 + county 28 + individual 30 = 230",
			Standards: tier1(Central, 124, Provincial, 38, City, 10, County, 28, Individual, 30), Subsidies: DefaultSubsidies()},
		{Key: "s2", Zh: "S2：中央60 + 省市50 + 个人20 = 130元", En: "S2: central 60 + province and city 50 + individual 20 = 130",
			Standards: tier1(Central, 60, Provincial, 50, Individual, 20), Subsidies: DefaultSubsidies()},
		{Key: "baiyun", Zh: "白云区：个人10 + 市10 + 区15 + 乡镇10 = 45元（待遇期自11月1日起）",
			En:        "Baiyun: individual 10 + city 10 + district 15 + township 10 = 45 (period from 1 Nov)",
			Standards: tier1(Individual, 10, City, 10, County, 15, Township, 10), Subsidies: DefaultSubsidies()},
		{Key: "chongqing", Zh: "重庆2013：个人缴费一档60元、二档150元（财政补助按当年标准另行录入）",
			En:        "Chongqing 2013: individual tier 1 = 60, tier 2 = 150 (enter the government subsidy of the year)",
			Standards: []Standard{{Tier: 1, Source: Individual, Amount: money.Yuan(60)}, {Tier: 2, Source: Individual, Amount: money.Yuan(150)}},
			Subsidies: DefaultSubsidies()},
	}
}

// PresetByKey returns the preset with the key.
func PresetByKey(key string) (Preset, bool) {
	for _, p := range Presets() {
		if p.Key == key {
			return p, true
		}
	}
	return Preset{}, false
}
