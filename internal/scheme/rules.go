package scheme

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"ncms/internal/money"
)

var condKeys = []string{"kind", "level", "tier", "in_county", "agreement", "referral", "designated",
	"category", "certificate", "sex", "age", "disease", "year_cost_below"}

// cond reads a "when" mapping.
func (d *decoder) cond(s *Scheme, n *yaml.Node, path string) Cond {
	c := Cond{AgeMin: -1, AgeMax: -1}
	if n == nil {
		return c
	}
	f := d.fields(n, path, condKeys...)
	if f == nil {
		return c
	}
	c.Kinds = d.bits(f["kind"], join(path, "kind"), func(v string) (int, bool) { return s.KindIndex(v) })
	c.Levels = d.bits(f["level"], join(path, "level"), s.Level)
	c.Tiers = d.bits(f["tier"], join(path, "tier"), func(v string) (int, bool) {
		t, err := strconv.Atoi(v)
		_, ok := indexOf(tierNames(s), v)
		return t, err == nil && ok
	})
	c.Categories = d.bits(f["category"], join(path, "category"), func(v string) (int, bool) { i, ok := s.catIndex[v]; return i, ok })
	c.Certs = d.bits(f["certificate"], join(path, "certificate"), s.CertIndex)
	c.InCounty = d.tri(f["in_county"], join(path, "in_county"))
	c.Agreement = d.tri(f["agreement"], join(path, "agreement"))
	c.Referral = d.tri(f["referral"], join(path, "referral"))
	c.Designated = d.tri(f["designated"], join(path, "designated"))
	if f["sex"] != nil {
		switch v := d.str(f["sex"], join(path, "sex")); v {
		case "male", "1":
			c.Sex = 1
		case "female", "2":
			c.Sex = 2
		default:
			d.errf(f["sex"], join(path, "sex"), "%q is not male or female / 性别应为 male 或 female", v)
		}
	}
	if f["age"] != nil {
		a := d.fields(f["age"], join(path, "age"), "min", "max")
		if a["min"] != nil {
			c.AgeMin = d.integer(a["min"], join(path, "age.min"), 0, 150)
		}
		if a["max"] != nil {
			c.AgeMax = d.integer(a["max"], join(path, "age.max"), 0, 150)
		}
		if c.AgeMax >= 0 && c.AgeMin > c.AgeMax {
			d.errf(f["age"], join(path, "age"), "min is above max / 最小年龄大于最大年龄")
		}
	}
	if f["disease"] != nil {
		c.Diseases = d.strs(f["disease"], join(path, "disease"))
	}
	if f["year_cost_below"] != nil {
		c.YearCostBelow = d.fen(f["year_cost_below"], join(path, "year_cost_below"))
	}
	return c
}

func tierNames(s *Scheme) []string {
	out := make([]string, len(s.Tiers))
	for i, t := range s.Tiers {
		out[i] = strconv.Itoa(t)
	}
	return out
}

// bits reads a value or list of names into a bit set using lookup.
func (d *decoder) bits(n *yaml.Node, path string, lookup func(string) (int, bool)) uint64 {
	if n == nil {
		return 0
	}
	var b uint64
	for i, it := range d.list(n, path) {
		v := d.str(it, index(path, i))
		k, ok := lookup(v)
		if !ok || k < 0 || k > 63 {
			d.errf(it, path, "unknown value %q / 未定义的值", v)
			continue
		}
		b |= 1 << uint(k)
	}
	return b
}

func (d *decoder) tri(n *yaml.Node, path string) Tri {
	if n == nil {
		return Any
	}
	if d.boolean(n, path) {
		return Yes
	}
	return No
}

// rows iterates the rows of a section, giving each its path and position.
func (d *decoder) rows(n *yaml.Node, section string, each func(n *yaml.Node, at Where)) {
	if n == nil {
		return
	}
	for i, r := range d.seq(n, section) {
		at := Where{Path: index(section, i), Line: line(r)}
		at.text = at.String()
		each(r, at)
	}
}

func (d *decoder) deductibles(s *Scheme, n *yaml.Node) {
	d.rows(n, "deductibles", func(r *yaml.Node, at Where) {
		f := d.fields(r, at.Path, "when", "per", "group", "amount", "by_level")
		if f == nil {
			return
		}
		x := Deductible{At: at, When: d.cond(s, f["when"], join(at.Path, "when")), Group: "ded:deductible"}
		switch p := d.strOr(f["per"], join(at.Path, "per"), "admission"); p {
		case "admission", "visit":
		case "year":
			x.PerYear = true
		default:
			d.errf(f["per"], join(at.Path, "per"), "%q is not admission or year / 应为 admission 或 year", p)
		}
		if f["group"] != nil {
			x.Group = "ded:" + d.str(f["group"], join(at.Path, "group"))
		}
		d.byLevelFen(&x.Amount, f, at)
		s.Deductibles = append(s.Deductibles, x)
	})
}

func (d *decoder) strOr(n *yaml.Node, path, def string) string {
	if n == nil {
		return def
	}
	return d.str(n, path)
}

// byLevelFen reads "amount: 100" (every level) or "by_level: {1: 100, 2: 300}".
func (d *decoder) byLevelFen(b *ByLevel[money.Fen], f map[string]*yaml.Node, at Where) {
	switch {
	case f["amount"] != nil && f["by_level"] != nil:
		d.errf(f["by_level"], at.Path, "give amount or by_level, not both / amount 与 by_level 只能二选一")
	case f["amount"] != nil:
		v := d.fen(f["amount"], join(at.Path, "amount"))
		for l := range b.V {
			b.V[l] = v
		}
		b.Has = 1<<(MaxLevel+1) - 1
	case f["by_level"] != nil:
		for _, kv := range d.pairs(f["by_level"], join(at.Path, "by_level")) {
			l := d.integer(kv[0], join(at.Path, "by_level"), 0, MaxLevel)
			b.V[l] = d.fen(kv[1], join(at.Path, "by_level."+strconv.Itoa(l)))
			b.Has |= 1 << uint(l)
		}
	default:
		d.errf(nil, at.Path, "amount or by_level is required / 缺少 amount 或 by_level")
		d.errs[len(d.errs)-1].Line = at.Line
	}
}

func (d *decoder) ratios(s *Scheme, n *yaml.Node) {
	d.rows(n, "ratios", func(r *yaml.Node, at Where) {
		f := d.fields(r, at.Path, "when", "ratio", "by_level", "bands", "essential_points")
		if f == nil {
			return
		}
		x := Ratio{At: at, When: d.cond(s, f["when"], join(at.Path, "when"))}
		given := 0
		for _, k := range []string{"ratio", "by_level", "bands"} {
			if f[k] != nil {
				given++
			}
		}
		if given != 1 {
			d.errf(r, at.Path, "give exactly one of ratio, by_level, bands / ratio、by_level、bands 三选一")
		}
		switch {
		case f["ratio"] != nil:
			v := d.rate(f["ratio"], join(at.Path, "ratio"), false)
			for l := range x.ByLevel.V {
				x.ByLevel.V[l] = v
			}
			x.ByLevel.Has = 1<<(MaxLevel+1) - 1
		case f["by_level"] != nil:
			for _, kv := range d.pairs(f["by_level"], join(at.Path, "by_level")) {
				l := d.integer(kv[0], join(at.Path, "by_level"), 0, MaxLevel)
				x.ByLevel.V[l] = d.rate(kv[1], join(at.Path, "by_level."+strconv.Itoa(l)), false)
				x.ByLevel.Has |= 1 << uint(l)
			}
		case f["bands"] != nil:
			x.Bands = d.bands(f["bands"], join(at.Path, "bands"))
			x.ByLevel.Has = 1<<(MaxLevel+1) - 1
		}
		if f["essential_points"] != nil {
			x.EssentialPoints = d.rate(f["essential_points"], join(at.Path, "essential_points"), false)
		}
		s.Ratios = append(s.Ratios, x)
	})
}

// bands reads [{over: 0, ratio: 50%}, {over: 5000, ratio: 60%}] with rising "over".
func (d *decoder) bands(n *yaml.Node, path string) []Band {
	var out []Band
	for i, b := range d.seq(n, path) {
		p := index(path, i)
		f := d.fields(b, p, "!over", "!ratio")
		if f == nil || f["over"] == nil || f["ratio"] == nil {
			continue
		}
		x := Band{Over: d.fen(f["over"], join(p, "over")), Ratio: d.rate(f["ratio"], join(p, "ratio"), false)}
		if len(out) > 0 && x.Over <= out[len(out)-1].Over {
			d.errf(b, p, "bands must rise: over %s is not above %s / 分段应递增", x.Over, out[len(out)-1].Over)
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		d.errf(n, path, "at least one band / 至少一个分段")
	}
	return out
}

func (d *decoder) adjustments(s *Scheme, n *yaml.Node) {
	d.rows(n, "adjustments", func(r *yaml.Node, at Where) {
		f := d.fields(r, at.Path, "name", "when", "ratio_points", "deductible_percent")
		if f == nil {
			return
		}
		x := Adjustment{At: at, Name: d.strOr(f["name"], join(at.Path, "name"), at.Path), When: d.cond(s, f["when"], join(at.Path, "when"))}
		if f["ratio_points"] != nil {
			x.RatioPoints = d.rate(f["ratio_points"], join(at.Path, "ratio_points"), true)
		}
		if f["deductible_percent"] != nil {
			x.DeductiblePercent = d.rate(f["deductible_percent"], join(at.Path, "deductible_percent"), true)
		}
		if f["ratio_points"] == nil && f["deductible_percent"] == nil {
			d.errf(r, at.Path, "give ratio_points or deductible_percent / 缺少 ratio_points 或 deductible_percent")
		}
		s.Adjustments = append(s.Adjustments, x)
	})
}

func (d *decoder) base(n *yaml.Node, path string) Base {
	switch v := d.strOr(n, path, "inscope"); v {
	case "inscope":
		return BaseInScope
	case "policy":
		return BasePolicy
	case "all":
		return BaseAll
	default:
		d.errf(n, path, "%q is not inscope, policy or all / 应为 inscope、policy 或 all", v)
	}
	return BaseInScope
}
