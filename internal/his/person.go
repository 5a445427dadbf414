package his

import (
	"context"
	"strconv"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/registry"
)

// baseInfo is 1101 baseinfo.
type baseInfo struct {
	PsnNo       string `json:"psn_no"`
	PsnCertType string `json:"psn_cert_type"`
	Certno      string `json:"certno"`
	PsnName     string `json:"psn_name"`
	Gend        string `json:"gend"`
	Naty        string `json:"naty"`
	Brdy        string `json:"brdy"`
	Age         int    `json:"age"`
}

// insuInfo is one 1101 insuinfo row: the enrollment in force on begntime.
type insuInfo struct {
	Balc          amt    `json:"balc"`
	Insutype      string `json:"insutype"`
	PsnType       string `json:"psn_type"`
	PsnInsuStas   string `json:"psn_insu_stas"`
	PsnInsuDate   string `json:"psn_insu_date"`
	PausInsuDate  string `json:"paus_insu_date"`
	CvlservFlag   string `json:"cvlserv_flag"`
	InsuplcAdmdvs string `json:"insuplc_admdvs"`
	EmpName       string `json:"emp_name"`
}

// idetInfo is one 1101 idetinfo row: a person category (五保, 低保, …).
type idetInfo struct {
	PsnIdetType string `json:"psn_idet_type"`
	PsnTypeLv   string `json:"psn_type_lv"`
	Memo        string `json:"memo"`
	Begntime    string `json:"begntime"`
	Endtime     string `json:"endtime"`
}

var (
	errCertType = apperr.Field("mdtrt_cert_type", "cert_type", "仅支持身份证(02)或填写 certno",
		"only the ID card (02), or certno, identifies a person here")
	errPersonNotFound = apperr.New(apperr.NotFound, "person_not_found", "未找到该参合人员", "no insured person with this ID number")
	errNameMismatch   = apperr.Field("psn_name", "name_mismatch", "姓名与身份证号不符", "the name does not match the ID number")
)

// personInfo is 1101: identify a person by ID number, with the enrollment
// covering begntime (default today) and the person's categories. A person
// known but not covered on the day gets an empty insuinfo.
func (s *Service) personInfo(ctx context.Context, cl *call) (any, error) {
	var c apperr.Collector
	d := node(cl.input(&c), "data", &c)
	certType := d.code("mdtrt_cert_type", true, certTypes...)
	certNo := d.str("mdtrt_cert_no", false, 50)
	number := d.str("certno", false, 50)
	name := d.str("psn_name", false, 50)
	day := d.date("begntime", false)
	d.str("card_sn", false, 50)
	d.str("psn_cert_type", false, 10)
	if err := c.Err(); err != nil {
		return nil, err
	}
	if number == "" && certType == "02" {
		number = certNo
	}
	if number == "" {
		return nil, errCertType
	}
	if day.IsZero() {
		day = s.enroll.Today()
	}
	// The HIS may identify any resident of the county: read with a
	// county-wide scope under the institution's name.
	look := access.WithActor(ctx, access.Actor{Username: "his:" + cl.inst.Code, Role: access.Institution, Scope: access.Scope{AreaPath: "/"}})
	p, err := s.reg.PersonByIDNumber(look, number)
	if apperr.KindOf(err) == apperr.NotFound {
		return nil, errPersonNotFound
	}
	if err != nil {
		return nil, err
	}
	if name != "" && name != p.Name {
		return nil, errNameMismatch
	}
	cov, err := s.enroll.Coverage(look, p.ID, day)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"baseinfo": baseInfo{PsnNo: idText(p.ID), PsnCertType: "01", Certno: p.IDNumber, PsnName: p.Name,
		Gend: strconv.Itoa(int(p.Sex)), Brdy: p.BirthDate.String(), Age: p.AgeOn(day)}}
	insu := []insuInfo{}
	if cov.Covered {
		insu = append(insu, insuInfo{Insutype: "390", PsnType: tierType(cov.Tier), PsnInsuStas: "1",
			PsnInsuDate: cov.From.String(), PausInsuDate: cov.To.String(), CvlservFlag: "0", InsuplcAdmdvs: s.area})
	}
	out["insuinfo"] = insu
	out["idetinfo"] = idets(p.Categories)
	return out, nil
}

func idets(cs registry.Categories) []idetInfo {
	out := []idetInfo{}
	for _, c := range cs {
		zh, en := c.Label()
		out = append(out, idetInfo{PsnIdetType: string(c), Memo: zh + " / " + en})
	}
	return out
}
