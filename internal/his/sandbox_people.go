package his

import (
	"context"
	"fmt"

	"ncms/internal/catalog"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/enroll"
	"ncms/internal/idcard"
	"ncms/internal/registry"
)

// sandboxHouseholds are the sandbox's people: a household of three per tier.
var sandboxHouseholds = []struct {
	tier    int
	members []struct{ name, relation, birth string }
}{
	{1, []struct{ name, relation, birth string }{{"张大山", "户主", "1962-03-01"}, {"李秀英", "配偶", "1965-05-09"}, {"张小山", "子", "1990-01-20"}}},
	{2, []struct{ name, relation, birth string }{{"王建国", "户主", "1958-11-11"}, {"赵桂兰", "配偶", "1960-02-14"}, {"王丽", "女", "1988-07-07"}}},
}

// sandboxPersons registers the households and enrolls them for the year:
// window before the period, no waiting, paid in the window (covered all year).
func sandboxPersons(ctx context.Context, d *db.DB, reg *registry.Service, opt SandboxOptions, villageID int64, f *SandboxFile) error {
	en := enroll.New(d, enroll.Options{Now: opt.Now})
	p, _ := enroll.PresetByKey("chongqing")
	if _, err := en.CreateYear(ctx, enroll.YearInput{Year: f.Year, WaitingDays: 0}); err != nil {
		return err
	}
	if _, err := en.SetStandards(ctx, f.Year, p.Standards, p.Subsidies); err != nil {
		return err
	}
	y, err := en.SetStatus(ctx, f.Year, enroll.Open)
	if err != nil {
		return err
	}
	seq := 0
	for _, h := range sandboxHouseholds {
		in := registry.HouseholdInput{AreaID: villageID, Address: "一组1号"}
		for i, m := range h.members {
			seq++
			birth := civil.MustParse(m.birth)
			in.Members = append(in.Members, registry.PersonInput{IDNumber: idcard.Generate(opt.CountyCode, birth, seq, i%2 == 0 && m.relation != "女"),
				Name: m.name, Relation: m.relation})
		}
		hh, err := reg.RegisterHousehold(ctx, in)
		if err != nil {
			return fmt.Errorf("sandbox household: %w", err)
		}
		if _, err := en.Enroll(ctx, enroll.EnrollInput{Year: f.Year, HouseholdID: hh.ID, Tier: h.tier, PaidOn: y.WindowTo}); err != nil {
			return fmt.Errorf("sandbox enrollment: %w", err)
		}
		for _, m := range hh.Members {
			f.Persons = append(f.Persons, SandboxPerson{Certno: m.IDNumber, PsnName: m.Name, PsnNo: idText(m.ID), Tier: h.tier})
		}
	}
	return nil
}

// sandboxCatalogue saves the sandbox catalogue valid from 1 January.
func sandboxCatalogue(ctx context.Context, d *db.DB, opt SandboxOptions, from civil.Date, f *SandboxFile) error {
	es, err := catalog.New(d, catalog.Options{Now: opt.Now}).CreateSandbox(ctx, from)
	if err != nil {
		return err
	}
	for _, e := range es {
		f.Catalogue = append(f.Catalogue, SandboxItem{MedListCodg: e.Code, Name: e.Name, Class: e.Class.String(),
			SelfpayProp: e.SelfPay.Fraction(), Pric: e.Price.String(), PricUplmt: e.PriceCap.String(), Levels: e.Levels})
	}
	return nil
}
