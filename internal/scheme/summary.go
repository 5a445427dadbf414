package scheme

import (
	"fmt"
	"sort"
	"strings"
)

// Summary describes a scheme in a few lines of Chinese and English, for
// "ncms scheme check" and for reviewing a new year's file.
func Summary(s *Scheme) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	w("方案 scheme: %s  %s", s.ID, s.Name)
	w("统筹区 area: %s   期间 period: %s — %s", s.Area, s.From, s.To)
	if !s.WindowTo.IsZero() {
		w("参保期 enrollment window: %s — %s; 逾期缴费等待期 waiting after late payment: %d 天 days", s.WindowFrom, s.WindowTo, s.WaitingDays)
	}
	codes := make([]string, 0, len(s.Levels))
	for c := range s.Levels {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		if s.Levels[codes[i]] != s.Levels[codes[j]] {
			return s.Levels[codes[i]] < s.Levels[codes[j]]
		}
		return codes[i] < codes[j]
	})
	var lv []string
	for _, c := range codes {
		lv = append(lv, fmt.Sprintf("%s=%d", c, s.Levels[c]))
	}
	w("机构级别 levels: %s", strings.Join(lv, ", "))
	w("档次 tiers: %v", s.Tiers)
	for _, k := range s.Kinds {
		extra := ""
		if k.Admission {
			extra += " 住院/admission"
		}
		if k.Certificate != "" {
			extra += " 需证/certificate=" + k.Certificate
		}
		if k.Statement {
			extra += " 需外伤证明/statement"
		}
		w("就诊类别 kind %-12s %s med_type=%s%s", k.Code, k.Name, k.MedType, extra)
	}
	w("规则 rules: deductibles %d, ratios %d, adjustments %d, caps %d (%s), fixed %d, per_disease %d",
		len(s.Deductibles), len(s.Ratios), len(s.Adjustments), len(s.Caps), strings.Join(s.CapNames, ", "),
		len(s.Fixed), len(s.PerDisease))
	w("分层 layers: catastrophic %d, assistance %d, backstop %d", len(s.Catastrophic), len(s.Assistance), len(s.Backstop))
	for _, r := range s.Ratios {
		w("  %-28s %s", r.At, ratioText(&r))
	}
	for _, c := range s.Caps {
		w("  %-28s 限额 cap %s %s", c.At, c.Name, c.Amount)
	}
	return b.String()
}

func ratioText(r *Ratio) string {
	if len(r.Bands) > 0 {
		var parts []string
		for _, b := range r.Bands {
			parts = append(parts, fmt.Sprintf(">%s %s", b.Over, b.Ratio))
		}
		return "分段 bands " + strings.Join(parts, ", ")
	}
	var parts []string
	for l := 0; l <= MaxLevel; l++ {
		if v, ok := r.ByLevel.Get(l); ok {
			parts = append(parts, fmt.Sprintf("%d:%s", l, v))
		}
	}
	if len(parts) == MaxLevel+1 {
		v, _ := r.ByLevel.Get(0)
		return "比例 ratio " + v.String()
	}
	return "比例 ratio by level " + strings.Join(parts, " ")
}
