package settle

import (
	"ncms/internal/apperr"
	"ncms/internal/scheme"
)

// medType is one HIS med_type code: its clearing type (11 outpatient, 21
// inpatient) and the med_type whose scheme kind it falls back to when the
// scheme declares no kind for it.
type medType struct {
	clr      string
	fallback string
	referral bool // the code itself means a referral (转外诊治)
}

// medTypes is the HIS med_type table (HIS-INTERFACE "Code tables used").
// A scheme kind declares its med_type; a code no kind declares maps to its
// fallback: registration-only, emergency, maternity outpatient and
// chronic/special outpatient fall back to general outpatient (11); injury,
// referred-out, per-disease and maternity inpatient fall back to ordinary
// inpatient (21). 23 also sets the visit's referral flag.
var medTypes = map[string]medType{
	"11": {clr: "11"},
	"12": {clr: "11", fallback: "11"},
	"13": {clr: "11", fallback: "11"},
	"14": {clr: "11", fallback: "11"},
	"51": {clr: "11", fallback: "11"},
	"21": {clr: "21"},
	"22": {clr: "21", fallback: "21"},
	"23": {clr: "21", fallback: "21", referral: true},
	"26": {clr: "21", fallback: "21"},
	"52": {clr: "21", fallback: "21"},
}

func errMedType(code string) error {
	return apperr.Field("med_type", "med_type", "医疗类别 "+code+" 无效(应为 11、12、13、14、21、22、23、26、51、52)",
		"med_type "+code+" is not one of 11, 12, 13, 14, 21, 22, 23, 26, 51, 52")
}

// checkMedType checks a med_type for a visit of clearing type clr ("" any).
func checkMedType(code, clr string) error {
	mt, ok := medTypes[code]
	if !ok {
		return errMedType(code)
	}
	if clr != "" && mt.clr != clr {
		if clr == "11" {
			return apperr.Field("med_type", "med_type_kind", "门诊挂号的医疗类别应为门诊类别", "an outpatient visit needs an outpatient med_type")
		}
		return apperr.Field("med_type", "med_type_kind", "入院办理的医疗类别应为住院类别", "an admission needs an inpatient med_type")
	}
	return nil
}

// kindFor returns the scheme kind for a med_type: the first kind declaring
// the code, else the first kind declaring its fallback.
func kindFor(s *scheme.Scheme, code string) (string, error) {
	for c := code; c != ""; c = medTypes[c].fallback {
		for i := range s.Kinds {
			if s.Kinds[i].MedType == c {
				return s.Kinds[i].Code, nil
			}
		}
	}
	return "", apperr.Field("med_type", "no_kind", "补偿方案 "+s.ID+" 不补偿医疗类别 "+code,
		"scheme "+s.ID+" has no visit kind for med_type "+code)
}
