package his

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/institution"
	"ncms/internal/registry"
	"ncms/internal/schemestore"
	"ncms/internal/setup"
)

// SandboxOptions configure CreateSandbox.
type SandboxOptions struct {
	CountyCode string           // default "500230" (a Chongqing county: scheme A's area)
	CountyName string           // default "沙盒县"
	SchemeFile string           // name for messages
	SchemeYAML []byte           // scheme A (schemes/chongqing-2013.yaml)
	Key        institution.Key  // encrypts the institutions' secrets
	Now        func() time.Time // default time.Now
}

// SandboxFile is what `ncms sandbox --out` writes for HIS vendors.
type SandboxFile struct {
	MdtrtareaAdmvs string               `json:"mdtrtarea_admvs"`
	CountyName     string               `json:"county_name"`
	Year           int                  `json:"year"`
	Scheme         string               `json:"scheme"`
	Admin          map[string]string    `json:"admin"`
	Institutions   []SandboxInstitution `json:"institutions"`
	Persons        []SandboxPerson      `json:"persons"`
	Catalogue      []SandboxItem        `json:"catalogue"`
}

// SandboxInstitution is one institution with its credentials.
type SandboxInstitution struct {
	FixmedinsCode string `json:"fixmedins_code"`
	FixmedinsName string `json:"fixmedins_name"`
	Level         string `json:"level"`
	SchemeLevel   int    `json:"scheme_level"`
	PaasID        string `json:"paasid"`
	Secret        string `json:"secret"`
}

// SandboxPerson is one enrolled, covered person.
type SandboxPerson struct {
	Certno  string `json:"certno"`
	PsnName string `json:"psn_name"`
	PsnNo   string `json:"psn_no"`
	Tier    int    `json:"tier"`
}

// SandboxItem is one catalogue item.
type SandboxItem struct {
	MedListCodg string   `json:"med_list_codg"`
	Name        string   `json:"name"`
	Class       string   `json:"class"`
	SelfpayProp string   `json:"selfpay_prop"`
	Pric        string   `json:"pric"`
	PricUplmt   string   `json:"pric_uplmt_amt"`
	Levels      []string `json:"levels"`
}

var dateRE = regexp.MustCompile(`\b(20\d\d)-(\d\d)-(\d\d)\b`)

// ShiftScheme moves every date of a scheme's YAML by whole years so that
// its period starts in year (scheme A is written for 2013).
func ShiftScheme(yaml []byte, from, year int) []byte {
	delta := year - from
	return dateRE.ReplaceAllFunc(yaml, func(m []byte) []byte {
		y, _ := strconv.Atoi(string(m[:4]))
		return []byte(fmt.Sprintf("%04d%s", y+delta, m[4:]))
	})
}

// CreateSandbox makes a fresh database into the vendors' sandbox county
// (docs/his.md "Sandbox"): scheme A in force for the current year, three
// institutions, two households of three (tier 1 and tier 2) enrolled and
// covered all year, the sandbox catalogue. On an initialized database it
// returns setup.ErrInitialized and changes nothing.
func CreateSandbox(ctx context.Context, d *db.DB, opt SandboxOptions) (*SandboxFile, error) {
	if opt.CountyCode == "" {
		opt.CountyCode, opt.CountyName = "500230", "沙盒县"
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	today := civil.Of(opt.Now().In(China))
	f := &SandboxFile{MdtrtareaAdmvs: opt.CountyCode, CountyName: opt.CountyName, Year: today.Year}
	pw, err := setup.Initialize(ctx, d, setup.Input{CountyCode: opt.CountyCode, CountyName: opt.CountyName})
	if err != nil {
		return nil, err
	}
	f.Admin = map[string]string{"username": "admin", "password": pw}
	ctx = access.WithActor(ctx, access.System("sandbox"))
	reg := registry.New(d, registry.Options{Now: opt.Now})
	root, err := reg.Root(ctx)
	if err != nil {
		return nil, err
	}
	town, err := reg.CreateArea(ctx, registry.AreaInput{ParentID: root.ID, Name: "沙盒镇"})
	if err != nil {
		return nil, err
	}
	village, err := reg.CreateArea(ctx, registry.AreaInput{ParentID: town.ID, Name: "沙盒村"})
	if err != nil {
		return nil, err
	}
	levels, err := sandboxScheme(ctx, d, opt, f)
	if err != nil {
		return nil, err
	}
	if err := sandboxInstitutions(ctx, d, opt, town.ID, levels, f); err != nil {
		return nil, err
	}
	if err := sandboxPersons(ctx, d, reg, opt, village.ID, f); err != nil {
		return nil, err
	}
	return f, sandboxCatalogue(ctx, d, opt, civil.New(today.Year, 1, 1), f)
}

// sandboxScheme stores scheme A shifted to the current year, active.
func sandboxScheme(ctx context.Context, d *db.DB, opt SandboxOptions, f *SandboxFile) (map[string]int, error) {
	st := schemestore.New(d)
	v, err := st.Add(ctx, opt.SchemeFile, ShiftScheme(opt.SchemeYAML, 2013, f.Year), civil.Date{}, true)
	if err != nil {
		return nil, err
	}
	if v.From.Year != f.Year {
		return nil, fmt.Errorf("sandbox: the scheme's period starts in %d, not %d: use scheme A (chongqing-2013)", v.From.Year, f.Year)
	}
	f.Scheme = fmt.Sprintf("%s v%d (%s – %s)", v.Code, v.Version, v.From, v.To)
	return v.Scheme.Levels, nil
}

// sandboxInstitutions creates the three institutions. The city hospital is
// made in-county so that vendors see the plain level-3 figures (scheme A
// raises the deductible and lowers the ratio for level 3 out of the county
// without referral).
func sandboxInstitutions(ctx context.Context, d *db.DB, opt SandboxOptions, areaID int64, levels map[string]int, f *SandboxFile) error {
	ins, err := institution.SandboxInputs(opt.CountyCode, areaID)
	if err != nil {
		return err
	}
	svc := institution.New(d, institution.Options{Key: opt.Key, Now: opt.Now})
	for _, in := range ins {
		if in.Level == institution.City {
			in.InCounty, in.AreaID = true, areaID
		}
		inst, cred, err := svc.Create(ctx, in)
		if err != nil {
			return fmt.Errorf("sandbox institution %s: %w", in.Code, err)
		}
		f.Institutions = append(f.Institutions, SandboxInstitution{FixmedinsCode: inst.Code, FixmedinsName: inst.Name,
			Level: string(inst.Level), SchemeLevel: levels[string(inst.Level)], PaasID: cred.PaasID, Secret: cred.Secret})
	}
	return nil
}
