package scheme

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// MaxFileSize is the largest scheme file Parse accepts.
const MaxFileSize = 1 << 20

// StandardCategories are the person categories every scheme knows (SPEC §3).
var StandardCategories = []string{
	"five_guarantee",  // 五保
	"low_income",      // 低保
	"extreme_poor",    // 特困
	"entitled",        // 优抚
	"disabled",        // 残疾
	"registered_poor", // 建档立卡贫困
	"migrant",         // 外出务工
}

var topKeys = []string{"!scheme", "name", "area", "!period", "enrollment", "!levels", "tiers",
	"categories", "certificates", "!kinds", "deductibles", "ratios", "adjustments", "caps",
	"fixed", "per_disease", "catastrophic", "assistance", "backstop"}

// Parse reads a scheme file; file names it in error messages. The result is
// either a valid Scheme or an ErrorList naming every problem found.
func Parse(file string, data []byte) (s *Scheme, err error) {
	defer func() { // the YAML library must never take the process down
		if r := recover(); r != nil {
			s, err = nil, ErrorList{{File: file, Msg: fmt.Sprintf("unreadable YAML / 无法解析: %v", r)}}
		}
	}()
	if len(data) > MaxFileSize {
		return nil, ErrorList{{File: file, Msg: "file larger than 1 MiB / 文件过大"}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, ErrorList{{File: file, Msg: "not valid YAML / 不是合法的 YAML: " + err.Error()}}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, ErrorList{{File: file, Msg: "empty document / 文件为空"}}
	}
	d := &decoder{file: file, budget: 200_000}
	s = d.scheme(doc.Content[0])
	if len(d.errs) > 0 {
		return nil, d.errs
	}
	return s, nil
}

func (d *decoder) scheme(root *yaml.Node) *Scheme {
	f := d.fields(root, "", topKeys...)
	if f == nil {
		return nil
	}
	s := &Scheme{Levels: map[string]int{}, kindIndex: map[string]int{}, catIndex: map[string]int{}, certIndex: map[string]int{}}
	s.ID = d.str(f["scheme"], "scheme")
	if f["name"] != nil {
		s.Name = d.str(f["name"], "name")
	}
	if f["area"] != nil {
		s.Area = d.str(f["area"], "area")
	}
	d.period(s, f["period"])
	if f["enrollment"] != nil {
		d.enrollment(s, f["enrollment"])
	}
	d.levels(s, f["levels"])
	d.tiers(s, f["tiers"])
	d.categories(s, f["categories"])
	d.certificates(s, f["certificates"])
	d.kinds(s, f["kinds"])
	if len(d.errs) > 0 { // rules refer to the names above
		return s
	}
	d.deductibles(s, f["deductibles"])
	d.ratios(s, f["ratios"])
	d.adjustments(s, f["adjustments"])
	d.caps(s, f["caps"])
	d.fixed(s, f["fixed"])
	d.perDisease(s, f["per_disease"])
	d.layers(s, f)
	d.coverage(s, root)
	return s
}

func (d *decoder) period(s *Scheme, n *yaml.Node) {
	p := d.fields(n, "period", "!from", "!to")
	if p == nil || p["from"] == nil || p["to"] == nil {
		return
	}
	s.From, s.To = d.date(p["from"], "period.from"), d.date(p["to"], "period.to")
	if s.To.Before(s.From) || s.To.DaysSince(s.From) > 731 {
		d.errf(n, "period", "to must be after from, at most two years / 期间结束应晚于开始,不超过两年")
	}
}

func (d *decoder) enrollment(s *Scheme, n *yaml.Node) {
	e := d.fields(n, "enrollment", "window", "waiting_days")
	if e == nil {
		return
	}
	if w := e["window"]; w != nil {
		wf := d.fields(w, "enrollment.window", "!from", "!to")
		if wf != nil && wf["from"] != nil && wf["to"] != nil {
			s.WindowFrom, s.WindowTo = d.date(wf["from"], "enrollment.window.from"), d.date(wf["to"], "enrollment.window.to")
		}
	}
	if e["waiting_days"] != nil {
		s.WaitingDays = d.integer(e["waiting_days"], "enrollment.waiting_days", 0, 366)
	}
}

func (d *decoder) levels(s *Scheme, n *yaml.Node) {
	for _, kv := range d.pairs(n, "levels") {
		code := d.str(kv[0], "levels")
		s.Levels[code] = d.integer(kv[1], join("levels", code), 0, MaxLevel)
	}
	if len(s.Levels) == 0 {
		d.errf(n, "levels", "name at least one institution level / 至少定义一个机构级别")
	}
}

func (d *decoder) tiers(s *Scheme, n *yaml.Node) {
	if n == nil {
		s.Tiers = []int{1}
		return
	}
	for i, it := range d.list(n, "tiers") {
		s.Tiers = append(s.Tiers, d.integer(it, index("tiers", i), 1, 63))
	}
}

func (d *decoder) categories(s *Scheme, n *yaml.Node) {
	s.Categories = append(s.Categories, StandardCategories...)
	if n != nil {
		for _, c := range d.strs(n, "categories") {
			if _, dup := indexOf(s.Categories, c); !dup {
				s.Categories = append(s.Categories, c)
			}
		}
	}
	if len(s.Categories) > 64 {
		d.errf(n, "categories", "at most 64 categories / 类别不超过64个")
		s.Categories = s.Categories[:64]
	}
	for i, c := range s.Categories {
		s.catIndex[c] = i
	}
}

func (d *decoder) certificates(s *Scheme, n *yaml.Node) {
	if n == nil {
		s.CertKinds = []string{"chronic", "major"}
	} else {
		s.CertKinds = d.strs(n, "certificates")
	}
	if len(s.CertKinds) > 64 {
		d.errf(n, "certificates", "at most 64 certificate kinds / 证件种类不超过64个")
		s.CertKinds = s.CertKinds[:64]
	}
	for i, c := range s.CertKinds {
		s.certIndex[c] = i
	}
}

func (d *decoder) kinds(s *Scheme, n *yaml.Node) {
	for _, kv := range d.pairs(n, "kinds") {
		code := d.str(kv[0], "kinds")
		path := join("kinds", code)
		f := d.fields(kv[1], path, "name", "med_type", "admission", "certificate", "statement", "pre_admission_days")
		k := Kind{Code: code, Index: len(s.Kinds), CostKey: "cost:" + code, PaidKey: "paid:" + code, Name: code}
		if f != nil {
			if f["name"] != nil {
				k.Name = d.str(f["name"], join(path, "name"))
			}
			if f["med_type"] != nil {
				k.MedType = d.str(f["med_type"], join(path, "med_type"))
			}
			if f["admission"] != nil {
				k.Admission = d.boolean(f["admission"], join(path, "admission"))
			}
			if f["statement"] != nil {
				k.Statement = d.boolean(f["statement"], join(path, "statement"))
			}
			if f["pre_admission_days"] != nil {
				k.PreAdmissionDays = d.integer(f["pre_admission_days"], join(path, "pre_admission_days"), 0, 30)
			}
			if f["certificate"] != nil {
				k.Certificate = d.str(f["certificate"], join(path, "certificate"))
				if _, ok := s.certIndex[k.Certificate]; !ok {
					d.errf(f["certificate"], join(path, "certificate"), "unknown certificate kind %q (declare it under certificates) / 未知的证件种类", k.Certificate)
				}
			}
		}
		if _, dup := s.kindIndex[code]; dup {
			d.errf(kv[0], path, "kind given twice / 重复")
			continue
		}
		s.kindIndex[code] = k.Index
		s.Kinds = append(s.Kinds, k)
	}
	if len(s.Kinds) == 0 || len(s.Kinds) > 64 {
		d.errf(n, "kinds", "name between 1 and 64 visit kinds / 就诊类别应为1到64个")
	}
}

func indexOf(xs []string, x string) (int, bool) {
	for i, v := range xs {
		if v == x {
			return i, true
		}
	}
	return -1, false
}

// coverage checks that every kind has some way of being paid: a ratio, a
// fixed subsidy or a per-disease row (a kind with none pays nothing, which
// is almost always a mistake in the file).
func (d *decoder) coverage(s *Scheme, root *yaml.Node) {
	var covered uint64
	for _, r := range s.Ratios {
		covered |= orAll(r.When.Kinds)
	}
	for _, r := range s.Fixed {
		covered |= orAll(r.When.Kinds)
	}
	for _, r := range s.PerDisease {
		covered |= orAll(r.When.Kinds)
	}
	for _, k := range s.Kinds {
		if covered&(1<<uint(k.Index)) == 0 {
			d.errf(root, join("kinds", k.Code), "no ratio, fixed or per_disease rule covers this kind / 该就诊类别没有任何补偿规则")
		}
	}
}

func orAll(kinds uint64) uint64 {
	if kinds == 0 {
		return ^uint64(0)
	}
	return kinds
}
