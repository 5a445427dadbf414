package settle_test

import (
	"context"
	"reflect"
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/money"
	"ncms/internal/settle"
)

// TestBadInput: each bad request is a clear apperr and writes nothing.
func TestBadInput(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("county")
		p := f.person(1)
		v := f.admission(ctx, p, line("1", "A001", "100.00"))
		open, err := f.svc.Admit(ctx, settle.VisitRequest{PersonID: p, MedType: "21", Begin: civil.MustParse("2013-05-01")})
		if err != nil {
			t.Fatal(err)
		}
		uncovered := f.person(1)
		f.cover.Cover(uncovered, 1, "2013-08-01", "2013-12-31")
		blocked := f.person(1)
		if _, err := f.svc.Block(f.ctx, blocked, "套取基金嫌疑"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.ExecContext(context.Background(), `UPDATE institutions SET status = 'suspended' WHERE id = ?`, f.inst["city"]); err != nil {
			t.Fatal(err)
		}
		upload := func(l settle.LineInput) error {
			_, err := f.svc.UploadLines(ctx, settle.UploadRequest{VisitID: open.ID, Lines: []settle.LineInput{l}})
			return err
		}
		bad := line("9", "A001", "10.00")
		mismatch := bad
		mismatch.Total = money.MustParse("10.05")
		negative := bad
		negative.Qty, negative.Total = -10000, money.MustParse("-10.00")
		unknown := bad
		unknown.Code = "ZZZ999"
		refundTooMuch := line("8", "A001", "-200.00")
		refundTooMuch.Qty, refundTooMuch.InitSN, refundTooMuch.Price = -10000, "1", -refundTooMuch.Price
		cases := []struct {
			name string
			kind apperr.Kind
			code string
			do   func() error
		}{
			{"cnt x pric differs from total", apperr.Invalid, "invalid", func() error { return upload(mismatch) }},
			{"negative amount on a charge line", apperr.Invalid, "invalid", func() error { return upload(negative) }},
			{"unknown catalogue code", apperr.Invalid, "invalid", func() error { return upload(unknown) }},
			{"refund above the charge", apperr.Invalid, "refund_exceeds", func() error {
				_, err := f.svc.UploadLines(ctx, settle.UploadRequest{VisitID: v, Lines: []settle.LineInput{refundTooMuch}})
				return err
			}},
			{"not covered on the date", apperr.Conflict, "not_covered", func() error {
				_, err := f.svc.Admit(ctx, settle.VisitRequest{PersonID: uncovered, MedType: "21", Begin: civil.MustParse("2013-05-01")})
				return err
			}},
			{"blocked person", apperr.Forbidden, "person_blocked", func() error {
				_, err := f.svc.Register(ctx, settle.VisitRequest{PersonID: blocked, MedType: "11", Begin: civil.MustParse("2013-05-01")})
				return err
			}},
			{"suspended institution", apperr.Forbidden, "institution_suspended", func() error {
				_, err := f.svc.Register(f.as("city"), settle.VisitRequest{PersonID: p, MedType: "11", Begin: civil.MustParse("2013-05-01")})
				return err
			}},
			{"another institution's visit", apperr.NotFound, "visit_not_found", func() error {
				_, err := f.svc.Settle(f.as("township"), settle.SettleRequest{VisitID: v})
				return err
			}},
			{"medfee_sumamt differs", apperr.Invalid, "medfee_mismatch", func() error {
				_, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: v, MedFee: money.MustParse("99.00")})
				return err
			}},
			{"admission not discharged", apperr.Conflict, "not_discharged", func() error {
				if _, err := f.svc.UploadLines(ctx, settle.UploadRequest{VisitID: open.ID, Lines: []settle.LineInput{line("5", "A001", "1.00")}}); err != nil {
					return err
				}
				defer f.svc.RevokeLines(ctx, settle.RevokeRequest{VisitID: open.ID})
				_, err := f.svc.Settle(ctx, settle.SettleRequest{VisitID: open.ID})
				return err
			}},
			{"bad med_type", apperr.Invalid, "invalid", func() error {
				_, err := f.svc.Register(ctx, settle.VisitRequest{PersonID: p, MedType: "21", Begin: civil.MustParse("2013-05-01")})
				return err
			}},
			{"diagnosis not ICD-10", apperr.Invalid, "invalid", func() error {
				_, err := f.svc.Register(ctx, settle.VisitRequest{PersonID: p, MedType: "11", Begin: civil.MustParse("2013-05-01"), Diagnoses: []string{"肺炎"}})
				return err
			}},
		}
		for _, c := range cases {
			before := f.counts()
			err := c.do()
			e, ok := apperr.As(err)
			if !ok || e.Kind != c.kind || e.Code != c.code {
				t.Errorf("%s: got %v, want kind %d code %s", c.name, err, c.kind, c.code)
				continue
			}
			if after := f.counts(); !reflect.DeepEqual(before, after) && c.name != "admission not discharged" {
				t.Errorf("%s: rows changed %v -> %v", c.name, before, after)
			}
		}
	})
}

// TestParseAmount: amounts with more than two decimals are refused.
func TestParseAmount(t *testing.T) {
	for _, s := range []string{"1.234", "12.340", "1e3", "-"} {
		if _, err := settle.ParseAmount("det_item_fee_sumamt", s); apperr.KindOf(err) != apperr.Invalid {
			t.Errorf("%q: %v", s, err)
		}
	}
	if v, err := settle.ParseAmount("x", "12.30"); err != nil || v != 1230 {
		t.Errorf("12.30: %v %v", v, err)
	}
}
