package institution

import (
	"context"
	"fmt"
)

// SandboxInputs returns the three institutions of the HIS vendors'
// sandbox (`ncms sandbox`): a township hospital and the county hospital in
// the county (both in area areaID, which must be an area of the county),
// and a city hospital outside it with an agreement. Codes are built from the
// 6-digit county code: H{county}00001, H{county}00002 and H{city}00001,
// where the city code is the county code's first four digits + "00".
func SandboxInputs(countyCode string, areaID int64) ([]Input, error) {
	if len(countyCode) != 6 || !allDigits(countyCode) {
		return nil, fmt.Errorf("institution: county code %q must be 6 digits / 县级区划代码应为6位数字", countyCode)
	}
	city := countyCode[:4] + "00"
	return []Input{
		{Code: "H" + countyCode + "00001", Name: "沙盒镇中心卫生院", Level: Township, AreaID: areaID,
			InCounty: true, Agreement: true, Networked: true,
			BankName: "农村信用合作社", BankAccountName: "沙盒镇中心卫生院", BankAccountNo: "6228480012345678901"},
		{Code: "H" + countyCode + "00002", Name: "沙盒县人民医院", Level: County, AreaID: areaID,
			InCounty: true, Agreement: true, Networked: true,
			BankName: "中国农业银行县支行", BankAccountName: "沙盒县人民医院", BankAccountNo: "6228480012345678902"},
		{Code: "H" + city + "00001", Name: "沙盒市第一人民医院", Level: City,
			InCounty: false, Agreement: true, Networked: true,
			BankName: "中国工商银行市分行", BankAccountName: "沙盒市第一人民医院", BankAccountNo: "6222020012345678903"},
	}, nil
}

// Created is an institution with the credentials issued when it was created.
type Created struct {
	Institution Institution
	Credentials Credentials
}

// CreateSandbox creates the sandbox institutions of SandboxInputs and
// returns them with their credentials (for the sandbox's JSON file).
func (s *Service) CreateSandbox(ctx context.Context, countyCode string, areaID int64) ([]Created, error) {
	ins, err := SandboxInputs(countyCode, areaID)
	if err != nil {
		return nil, err
	}
	out := make([]Created, 0, len(ins))
	for _, in := range ins {
		inst, cred, err := s.Create(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("sandbox institution %s: %w", in.Code, err)
		}
		out = append(out, Created{inst, cred})
	}
	return out, nil
}
