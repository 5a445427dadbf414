package scheme

import (
	"gopkg.in/yaml.v3"
)

func (d *decoder) caps(s *Scheme, n *yaml.Node) {
	names := map[string]int{}
	d.rows(n, "caps", func(r *yaml.Node, at Where) {
		f := d.fields(r, at.Path, "!name", "when", "!amount", "per", "period", "per_member",
			"per_extra_disease", "extra_certificate", "carry_over")
		if f == nil || f["name"] == nil || f["amount"] == nil {
			return
		}
		x := Cap{At: at, Name: d.str(f["name"], join(at.Path, "name")), When: d.cond(s, f["when"], join(at.Path, "when")), ExtraCert: -1}
		x.Key = "cap:" + x.Name
		x.Amount = d.fen(f["amount"], join(at.Path, "amount"))
		d.capScope(&x, f, at)
		if f["per_member"] != nil {
			x.PerMember = d.boolean(f["per_member"], join(at.Path, "per_member"))
		}
		if f["per_extra_disease"] != nil {
			x.PerExtraDisease = d.fen(f["per_extra_disease"], join(at.Path, "per_extra_disease"))
		}
		if f["extra_certificate"] != nil {
			v := d.str(f["extra_certificate"], join(at.Path, "extra_certificate"))
			i, ok := s.CertIndex(v)
			if !ok {
				d.errf(f["extra_certificate"], join(at.Path, "extra_certificate"), "unknown certificate kind %q / 未知的证件种类", v)
			}
			x.ExtraCert = i
		}
		if f["carry_over"] != nil {
			x.CarryOver = d.boolean(f["carry_over"], join(at.Path, "carry_over"))
		}
		if x.Period == PerVisit && (x.Per != PerPerson || x.CarryOver) {
			d.errf(r, at.Path, "a per-visit cap cannot be per household/disease or carry over / 每次限额不能按户、按病种或结转")
		}
		g, ok := names[x.Name]
		if !ok && len(s.CapNames) == MaxCapNames {
			d.errf(r, at.Path, "at most %d cap names / 限额名称不超过%d个", MaxCapNames, MaxCapNames)
			return
		}
		if !ok {
			g = len(s.CapNames)
			names[x.Name] = g
			s.CapNames = append(s.CapNames, x.Name)
			s.capGroups = append(s.capGroups, nil)
		} else if first := s.Caps[s.capGroups[g][0]]; first.Per != x.Per || first.Period != x.Period {
			d.errf(r, at.Path, "rows of cap %q must share per and period / 同名限额的 per 与 period 应一致", x.Name)
		}
		s.capGroups[g] = append(s.capGroups[g], len(s.Caps))
		s.Caps = append(s.Caps, x)
	})
}

// capScope reads per and period.
func (d *decoder) capScope(x *Cap, f map[string]*yaml.Node, at Where) {
	switch v := d.strOr(f["per"], join(at.Path, "per"), "person"); v {
	case "person":
	case "household":
		x.Per = PerHousehold
	case "disease":
		x.Per = PerDiseaseCert
	default:
		d.errf(f["per"], join(at.Path, "per"), "%q is not person, household or disease / 应为 person、household 或 disease", v)
	}
	switch v := d.strOr(f["period"], join(at.Path, "period"), "year"); v {
	case "year":
	case "visit":
		x.Period = PerVisit
	case "day":
		x.Period = PerDay
	default:
		d.errf(f["period"], join(at.Path, "period"), "%q is not year, visit or day / 应为 year、visit 或 day", v)
	}
}

func (d *decoder) fixed(s *Scheme, n *yaml.Node) {
	d.rows(n, "fixed", func(r *yaml.Node, at Where) {
		f := d.fields(r, at.Path, "when", "!items", "after_public_health")
		if f == nil || f["items"] == nil {
			return
		}
		x := Fixed{At: at, When: d.cond(s, f["when"], join(at.Path, "when"))}
		for i, it := range d.seq(f["items"], join(at.Path, "items")) {
			p := index(join(at.Path, "items"), i)
			itf := d.fields(it, p, "!name", "!amount")
			if itf == nil || itf["name"] == nil || itf["amount"] == nil {
				continue
			}
			item := FixedItem{Name: d.str(itf["name"], join(p, "name")), Amount: d.fen(itf["amount"], join(p, "amount"))}
			x.Items = append(x.Items, item)
			x.Total += item.Amount
		}
		if f["after_public_health"] != nil {
			x.AfterPublicHealth = d.boolean(f["after_public_health"], join(at.Path, "after_public_health"))
		}
		s.Fixed = append(s.Fixed, x)
	})
}

func (d *decoder) perDisease(s *Scheme, n *yaml.Node) {
	d.rows(n, "per_disease", func(r *yaml.Node, at Where) {
		f := d.fields(r, at.Path, "name", "!when", "!pay", "price_limit")
		if f == nil || f["when"] == nil || f["pay"] == nil {
			return
		}
		x := PerDisease{At: at, Name: d.strOr(f["name"], join(at.Path, "name"), at.Path), When: d.cond(s, f["when"], join(at.Path, "when"))}
		if len(x.When.Diseases) == 0 {
			d.errf(f["when"], join(at.Path, "when.disease"), "a per-disease rule needs when.disease / 单病种规则须指定病种")
		}
		x.Pay = d.fen(f["pay"], join(at.Path, "pay"))
		if f["price_limit"] != nil {
			x.PriceLimit = d.fen(f["price_limit"], join(at.Path, "price_limit"))
			if x.PriceLimit < x.Pay {
				d.errf(f["price_limit"], join(at.Path, "price_limit"), "price_limit is below pay / 限价低于基金支付额")
			}
		}
		s.PerDisease = append(s.PerDisease, x)
	})
}

// layers reads catastrophic, assistance and backstop.
func (d *decoder) layers(s *Scheme, f map[string]*yaml.Node) {
	d.rows(f["catastrophic"], "catastrophic", func(r *yaml.Node, at Where) {
		g := d.fields(r, at.Path, "name", "when", "base", "!bands", "annual_cap")
		if g == nil || g["bands"] == nil {
			return
		}
		x := Layer2{At: at, Name: d.strOr(g["name"], join(at.Path, "name"), "大病保险"), When: d.cond(s, g["when"], join(at.Path, "when"))}
		x.Base = d.base(g["base"], join(at.Path, "base"))
		x.Bands = d.bands(g["bands"], join(at.Path, "bands"))
		if g["annual_cap"] != nil {
			x.AnnualCap = d.fen(g["annual_cap"], join(at.Path, "annual_cap"))
		}
		if len(s.Catastrophic) > 0 && s.Catastrophic[0].Base != x.Base {
			d.errf(r, at.Path, "every catastrophic row must use the same base (the year's total is shared) / 各行 base 应一致")
		}
		s.Catastrophic = append(s.Catastrophic, x)
	})
	d.rows(f["assistance"], "assistance", func(r *yaml.Node, at Where) {
		g := d.fields(r, at.Path, "name", "when", "base", "threshold", "!ratio", "annual_cap")
		if g == nil || g["ratio"] == nil {
			return
		}
		x := Assist{At: at, Name: d.strOr(g["name"], join(at.Path, "name"), "医疗救助"), When: d.cond(s, g["when"], join(at.Path, "when"))}
		x.Base = d.base(g["base"], join(at.Path, "base"))
		x.Ratio = d.rate(g["ratio"], join(at.Path, "ratio"), false)
		if g["threshold"] != nil {
			x.Threshold = d.fen(g["threshold"], join(at.Path, "threshold"))
		}
		if g["annual_cap"] != nil {
			x.AnnualCap = d.fen(g["annual_cap"], join(at.Path, "annual_cap"))
		}
		s.Assistance = append(s.Assistance, x)
	})
	d.rows(f["backstop"], "backstop", func(r *yaml.Node, at Where) {
		g := d.fields(r, at.Path, "name", "when", "base", "max_share", "max_per_year")
		if g == nil {
			return
		}
		x := Backstop{At: at, Name: d.strOr(g["name"], join(at.Path, "name"), "政府兜底"), When: d.cond(s, g["when"], join(at.Path, "when"))}
		x.Base = d.base(g["base"], join(at.Path, "base"))
		if g["max_share"] != nil {
			x.MaxShare, x.HasShare = d.rate(g["max_share"], join(at.Path, "max_share"), false), true
		}
		if g["max_per_year"] != nil {
			x.MaxPerYear, x.HasYear = d.fen(g["max_per_year"], join(at.Path, "max_per_year")), true
		}
		if !x.HasShare && !x.HasYear {
			d.errf(r, at.Path, "give max_share or max_per_year / 缺少 max_share 或 max_per_year")
		}
		if len(s.Backstop) > 0 && s.Backstop[0].HasYear && x.HasYear && s.Backstop[0].Base != x.Base {
			d.errf(r, at.Path, "rows with max_per_year must use the same base / 各行 base 应一致")
		}
		s.Backstop = append(s.Backstop, x)
	})
}
