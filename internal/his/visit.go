package his

import (
	"context"
	"sort"
	"strconv"

	"ncms/internal/apperr"
	"ncms/internal/settle"
)

// medTypes are the med_type codes of the interface (HIS-INTERFACE "Code
// tables"); settle checks which fit a visit.
var medTypes = []string{"11", "12", "13", "14", "21", "22", "23", "26", "51", "52"}

// certTypes are mdtrt_cert_type: 01 e-credential, 02 ID card, 03 card.
var certTypes = []string{"01", "02", "03"}

func idText(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// visitOut is the 2201 output node data.
type visitOut struct {
	MdtrtID  string `json:"mdtrt_id"`
	PsnNo    string `json:"psn_no"`
	IptOtpNo string `json:"ipt_otp_no"`
}

// register is 2201 outpatient registration.
func (s *Service) register(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	r := settle.VisitRequest{MsgID: cl.req.MsgID, PersonID: d.id("psn_no", true), Begin: d.date("begntime", true),
		IptOtpNo: d.str("ipt_otp_no", true, 30), DoctorName: d.str("dr_name", false, 50), DeptName: d.str("dept_name", false, 100)}
	d.code("insutype", false, "390")
	d.code("mdtrt_cert_type", false, certTypes...)
	d.str("mdtrt_cert_no", false, 50)
	r.MedType = d.code("med_type", false, medTypes...)
	if r.MedType == "" {
		r.MedType = "11" // 2201 carries no med_type in the national spec: general outpatient until 2203 says otherwise
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	v, err := s.settle.Register(ctx, r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"data": visitOut{idText(v.ID), idText(v.PersonID), v.IptOtpNo}}, nil
}

// visitRef reads data{mdtrt_id, psn_no} (2202, 2404).
func visitRef(cl *call) (settle.VisitRef, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	r := settle.VisitRef{MsgID: cl.req.MsgID, VisitID: d.id("mdtrt_id", true)}
	d.id("psn_no", false)
	d.str("ipt_otp_no", false, 30)
	return r, c.Err()
}

// cancelRegistration is 2202.
func (s *Service) cancelRegistration(ctx context.Context, cl *call) (any, error) {
	r, err := visitRef(cl)
	if err != nil {
		return nil, err
	}
	_, err = s.settle.Cancel(ctx, r)
	return nil, err
}

// cancelAdmission is 2404.
func (s *Service) cancelAdmission(ctx context.Context, cl *call) (any, error) {
	return s.cancelRegistration(ctx, cl)
}

// diagnoses collects ICD-10 codes: first, then diseinfo's main diagnosis,
// then the rest by diag_srt_no.
func diagnoses(first string, dise []*obj) []string {
	type diag struct {
		code string
		main bool
		srt  int
	}
	var ds []diag
	for _, o := range dise {
		code := o.str("diag_code", true, 20)
		o.str("diag_name", false, 200)
		o.str("diag_type", false, 10)
		ds = append(ds, diag{code, o.code("maindiag_flag", false, "0", "1") == "1", o.small("diag_srt_no", false, 0, 999)})
	}
	sort.SliceStable(ds, func(i, j int) bool {
		if ds[i].main != ds[j].main {
			return ds[i].main
		}
		return ds[i].srt < ds[j].srt
	})
	out := []string{}
	seen := map[string]bool{}
	for _, code := range append([]string{first}, func() []string {
		cs := make([]string, len(ds))
		for i, d := range ds {
			cs[i] = d.code
		}
		return cs
	}()...) {
		if code != "" && !seen[code] {
			seen[code] = true
			out = append(out, code)
		}
	}
	return out
}

// updateVisit is 2203 outpatient visit information.
func (s *Service) updateVisit(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	in := cl.input(&c)
	m := node(in, "mdtrtinfo", &c)
	r := settle.UpdateRequest{MsgID: cl.req.MsgID, VisitID: m.id("mdtrt_id", true), MedType: m.code("med_type", false, medTypes...)}
	m.id("psn_no", false)
	m.date("begntime", false)
	m.str("main_cond_dscr", false, 1000)
	m.str("dise_name", false, 200)
	r.Diagnoses = diagnoses(m.str("dise_codg", false, 20), list(in, "diseinfo", false, &c))
	if err := c.Err(); err != nil {
		return nil, err
	}
	_, err := s.settle.Update(ctx, r)
	return nil, err
}

// admit is 2401 admission.
func (s *Service) admit(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	in := cl.input(&c)
	m := node(in, "mdtrtinfo", &c)
	r := settle.VisitRequest{MsgID: cl.req.MsgID, PersonID: m.id("psn_no", true), Begin: m.date("begntime", true),
		MedType: m.code("med_type", true, medTypes...), IptOtpNo: m.str("ipt_no", true, 30),
		DeptName: m.str("adm_dept_name", false, 100), DoctorName: m.str("atddr_name", false, 50)}
	m.code("insutype", false, "390")
	m.code("mdtrt_cert_type", false, certTypes...)
	m.str("mdtrt_cert_no", false, 50)
	m.str("adm_diag_dscr", false, 1000)
	m.str("adm_bed", false, 30)
	main := m.str("dscg_maindiag_code", false, 20)
	r.Diagnoses = diagnoses(main, list(in, "diseinfo", false, &c))
	if err := c.Err(); err != nil {
		return nil, err
	}
	v, err := s.settle.Admit(ctx, r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"result": map[string]string{"mdtrt_id": idText(v.ID), "psn_no": idText(v.PersonID), "ipt_no": v.IptOtpNo}}, nil
}

// discharge is 2402.
func (s *Service) discharge(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	in := cl.input(&c)
	d := node(in, "dscginfo", &c)
	r := settle.DischargeRequest{MsgID: cl.req.MsgID, VisitID: d.id("mdtrt_id", true), End: d.date("endtime", true)}
	d.id("psn_no", false)
	d.code("insutype", false, "390")
	d.str("dise_name", false, 200)
	d.str("dscg_way", false, 10)
	d.str("dscg_dept_codg", false, 30)
	r.Diagnoses = diagnoses(d.str("dise_codg", false, 20), list(in, "diseinfo", false, &c))
	if err := c.Err(); err != nil {
		return nil, err
	}
	_, err := s.settle.Discharge(ctx, r)
	return nil, err
}
