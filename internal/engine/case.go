package engine

import (
	"bytes"
	"encoding/json"

	"io"

	"ncms/internal/apperr"
	"ncms/internal/money"
)

// MaxCaseSize is the largest case document ParseCase reads.
const MaxCaseSize = 8 << 20

// maxYTD bounds every year-to-date amount (100 billion yuan) so sums and
// band products stay within 64 bits.
const maxYTD = money.Fen(10_000_000_000_000)

// ParseCase reads a case document (docs/calc.md): a JSON object with
// person, visit, lines, ytd and household_ytd. Unknown keys are errors, so
// a misspelt field is never silently ignored. Amounts are decimal strings
// or numbers read exactly.
func ParseCase(r io.Reader) (*Input, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxCaseSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxCaseSize {
		return nil, apperr.New(apperr.TooLarge, "case_too_large", "案例文件超过 8 MiB", "case larger than 8 MiB")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in Input
	if err := dec.Decode(&in); err != nil {
		return nil, apperr.Field("case", "json", "不是合法的案例 JSON:"+err.Error(), "not a valid case document: "+err.Error())
	}
	if dec.More() {
		return nil, apperr.Field("case", "json", "JSON 之后还有多余内容", "extra data after the JSON object")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

// Validate checks ranges that Calculate relies on: year-to-date totals and
// the carried-over quota within ±100 billion yuan, at most MaxLines lines.
func (in *Input) Validate() error {
	if len(in.Lines) > MaxLines {
		return apperr.Field("lines", "too_many", "明细行过多", "too many lines")
	}
	if err := in.YTD.validate("ytd"); err != nil {
		return err
	}
	if err := in.Household.validate("household_ytd"); err != nil {
		return err
	}
	if in.Person.Carryover < 0 || in.Person.Carryover > maxYTD {
		return apperr.Field("person.carryover", "range", "结转金额超出范围", "carry-over out of range")
	}
	return nil
}

func (y *YTD) validate(field string) error {
	t := &y.Totals
	for _, v := range []money.Fen{t.Cost, t.InScope, t.AdmissionCost, t.Deductible, t.Basic, t.Catastrophic,
		t.Assistance, t.Backstop, t.PublicHealth, t.Patient, t.CatBase, t.BackstopOwn} {
		if v > maxYTD || v < -maxYTD {
			return apperr.Field(field, "range", "年度累计金额超出范围", "year-to-date amount out of range")
		}
	}
	if t.Visits < 0 || t.Admissions < 0 || t.Visits > 1_000_000 || t.Admissions > 1_000_000 {
		return apperr.Field(field, "range", "年度累计次数超出范围", "year-to-date count out of range")
	}
	for _, p := range y.Pools {
		if p.Amount > maxYTD || p.Amount < -maxYTD {
			return apperr.Field(field+".pools."+p.Key, "range", "累计金额超出范围", "pool amount out of range")
		}
	}
	return nil
}
