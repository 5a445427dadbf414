package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"ncms/internal/access"
	"ncms/internal/auth"
	"ncms/internal/catalog"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/engine"
	"ncms/internal/his"
	"ncms/internal/importfile"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/registry"
	"ncms/internal/schemestore"
	"ncms/internal/setup"
	"ncms/schemes"
)

// The demo county: a code with a real province (Guizhou), a made-up name.
const (
	countyCode = "520221"
	countyName = "演示县"
	cityCode   = "520200"
	provCode   = "520000"
	schemeFile = "one-stop.yaml"
	schemeFrom = 2024 // the year one-stop.yaml is written for
)

// Calibration of the county (docs/demo.md): people per size 1.
const (
	basePersons   = 50000
	baseTownships = 10
	villagesPer   = 10 // villages per township
	groupsPer     = 5  // groups per village
)

var townshipNames = []string{"城关镇", "红果镇", "柏果镇", "洒基镇", "刘官镇", "民主镇", "大山镇", "石桥镇", "保田镇", "乐民镇",
	"响水镇", "新民乡", "珠东乡", "坪地乡", "淤泥乡", "普古乡", "羊场乡", "鸡场坪乡", "忠义乡", "老厂镇"}

var villageA = []rune("青龙凤凰金银石桥杨柳松柏梨花桃源白云红岩新民光明团结和平双河水井坪坝")
var villageB = []string{"村", "村", "村", "社区"}

// area is a township or village of the demo county.
type area struct {
	ID       int64
	Path     string
	Name     string
	Villages []area
}

// inst is a demo institution.
type inst struct {
	institution.Institution
	town int // index of its township (-1: none)
}

// county holds what later steps need.
type county struct {
	root      registry.Area
	towns     []area
	insts     []inst
	byLevel   map[institution.Level][]int // indexes into insts
	users     map[string]access.Actor
	persons   []person
	byHH      map[int64][]int // household id -> indexes into persons
	schemeID  int64
	yearFirst civil.Date
	lateNo    map[string]bool // household numbers of the late payers
	lateHH    []int64         // their household ids
}

// setup initializes the installation and stores the scheme and catalogue.
func (b *builder) setup() error {
	pw, err := setup.Initialize(b.ctx, b.d, setup.Input{CountyCode: countyCode, CountyName: countyName,
		Auth: auth.Options{BcryptCost: b.opt.BcryptCost}})
	if err == setup.ErrInitialized {
		return ErrNotEmpty
	}
	if err != nil {
		return err
	}
	b.res.Logins = append(b.res.Logins, Login{Role: access.Admin, Username: "admin", Password: pw, Scope: countyName})
	b.c = &county{byLevel: map[institution.Level][]int{}, users: map[string]access.Actor{}, yearFirst: civil.New(b.year, 1, 1)}
	root, err := registry.New(b.d, registry.Options{Now: b.clk.Now}).Root(b.ctx)
	if err != nil {
		return err
	}
	b.c.root = root
	yaml, err := schemes.FS.ReadFile(schemeFile)
	if err != nil {
		return err
	}
	v, err := schemestore.New(b.d).Add(b.ctx, schemeFile, his.ShiftScheme(yaml, schemeFrom, b.year), civil.Date{}, true)
	if err != nil {
		return fmt.Errorf("scheme: %w", err)
	}
	b.c.schemeID = v.ID
	return b.catalogue()
}

// demoItems complete the sandbox catalogue with what wards and clinics
// bill every day (prices illustrative, of the seeds' era).
var demoItems = []catalog.Input{
	{Code: "S120100001", Name: "一级护理", Kind: catalog.ServiceItem, Class: engine.ClassA, Unit: "日", FeeType: "07"},
	{Code: "S120400001", Name: "静脉输液", Kind: catalog.ServiceItem, Class: engine.ClassA, Unit: "次", FeeType: "07"},
	{Code: "S250301001", Name: "肝功能检查", Kind: catalog.ServiceItem, Class: engine.ClassA, Unit: "次", FeeType: "04"},
	{Code: "S311000001", Name: "阑尾切除术", Kind: catalog.ServiceItem, Class: engine.ClassA, Unit: "次", FeeType: "06",
		Levels: []string{"township", "county", "city", "province"}},
	{Code: "S331100001", Name: "经阴道分娩", Kind: catalog.ServiceItem, Class: engine.ClassA, Unit: "次", FeeType: "06",
		Levels: []string{"township", "county", "city", "province"}},
	{Code: "XJ01DCA030B002010101445", Name: "头孢呋辛钠注射液", Kind: catalog.Drug, Class: engine.ClassB, Unit: "支", FeeType: "09"},
	{Code: "S110200002", Name: "村卫生室一般诊疗费", Kind: catalog.ServiceItem, Class: engine.ClassA, Unit: "次", FeeType: "12",
		Levels: []string{"village"}},
	{Code: "S120400002", Name: "肌肉注射", Kind: catalog.ServiceItem, Class: engine.ClassA, Unit: "次", FeeType: "07"},
}

var demoPrices = []string{"25.00", "12.00", "60.00", "1200.00", "800.00", "15.00", "6.00", "2.00"}

// catalogue stores the sandbox catalogue and the demo items, valid from
// 1 January of the year before (the enrollment window).
func (b *builder) catalogue() error {
	from := civil.New(b.year-1, 1, 1)
	svc := catalog.New(b.d, catalog.Options{Now: b.clk.Now})
	if _, err := svc.CreateSandbox(b.ctx, from); err != nil {
		return err
	}
	for i, in := range demoItems {
		in.Price, _ = engine.ParsePrice(demoPrices[i])
		in.ValidFrom = from
		if in.Class == engine.ClassB {
			in.SelfPay = money.Percent(10)
		}
		if _, _, err := svc.Save(b.ctx, in); err != nil {
			return fmt.Errorf("catalogue %s: %w", in.Code, err)
		}
	}
	return nil
}

// scaled returns the county's shape for the size.
func (b *builder) scaled() (persons, towns int) {
	persons = max(60, int(math.Round(basePersons*b.opt.Size)))
	towns = max(1, min(len(townshipNames), int(math.Round(baseTownships*math.Sqrt(b.opt.Size)))))
	return persons, towns
}

// people imports the households through the registry's bulk import, names
// the areas, creates the institutions and the users. A few households
// chosen by the seed are kept for a second file imported after the
// enrollment campaigns (importLater): they did not enroll in the window.
func (b *builder) people() error {
	persons, towns := b.scaled()
	var buf bytes.Buffer
	hh, err := registry.GenerateHouseholdCSV(&buf, registry.GenerateOptions{Persons: persons, Seed: b.opt.Seed,
		CountyCode: countyCode, Townships: towns, Villages: villagesPer, Groups: groupsPer})
	if err != nil {
		return err
	}
	main, later, err := b.split(buf.Bytes(), towns)
	if err != nil {
		return err
	}
	if err := b.importFile(main, "demo-households.csv"); err != nil {
		return err
	}
	b.later = later
	b.res.Households, b.res.Persons = hh, persons
	if err := b.readAreas(registry.New(b.d, registry.Options{Now: b.clk.Now})); err != nil {
		return err
	}
	if err := b.institutions(); err != nil {
		return err
	}
	return b.users()
}

// importFile imports a household file as the system.
func (b *builder) importFile(data []byte, name string) error {
	rd, err := importfile.Open(bytes.NewReader(data), name, importfile.Options{Columns: registry.HouseholdColumns})
	if err != nil {
		return err
	}
	if _, err := registry.New(b.d, registry.Options{Now: b.clk.Now}).ImportHouseholds(b.ctx, rd,
		registry.ImportOptions{FileName: name}); err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	return nil
}

// split divides the generated file by household: about 3% of households
// (skipPerMille) do not enroll and 0.5% (latePerMille) pay late; both go
// to the second file. It also spreads the households evenly over every
// township, village and group of the county and gives the areas their
// names. It returns the two files (same header).
func (b *builder) split(data []byte, towns int) (main, later []byte, err error) {
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, nil, fmt.Errorf("generated file: %v", err)
	}
	households := 0
	for i, r := range rows[1:] {
		if i == 0 || r[0] != rows[i][0] {
			households++
		}
	}
	places := towns * villagesPer * groupsPer
	var mb, lb bytes.Buffer
	mw, lw := csv.NewWriter(&mb), csv.NewWriter(&lb)
	_ = mw.Write(rows[0])
	_ = lw.Write(rows[0])
	rnd := rand.New(rand.NewPCG(b.opt.Seed, 0x73706c74))
	b.c.lateNo = map[string]bool{}
	last, toLater, h := "", false, -1
	for _, r := range rows[1:] {
		if r[0] != last {
			last, h = r[0], h+1
			x := rnd.IntN(1000)
			toLater = x < skipPerMille+latePerMille
			if x < latePerMille {
				b.c.lateNo[r[0]] = true
			}
		}
		k := h * places / households
		t, v, g := k/(villagesPer*groupsPer), k/groupsPer%villagesPer, k%groupsPer
		r[1], r[2], r[3] = townshipNames[t], villageName(t, v), itoa(g+1)+"组"
		if toLater {
			_ = lw.Write(r)
		} else {
			_ = mw.Write(r)
		}
	}
	mw.Flush()
	lw.Flush()
	return mb.Bytes(), lb.Bytes(), errors.Join(mw.Error(), lw.Error())
}

// villageName is the name of village v of township t (unique within it).
func villageName(t, v int) string {
	n := len(villageA)
	a, c := villageA[(t*3+v)%n], villageA[(v*7+t*5+11)%n]
	if a == c {
		c = '家'
	}
	return string(a) + string(c) + villageB[(t+v)%len(villageB)]
}

// importLater registers the households kept aside and finds the late
// payers among them.
func (b *builder) importLater() error {
	if bytes.Count(b.later, []byte("\n")) > 1 {
		if err := b.importFile(b.later, "demo-households-2.csv"); err != nil {
			return err
		}
	}
	rows, err := b.d.QueryContext(b.ctx, `SELECT id, number FROM households ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var no string
		if err := rows.Scan(&id, &no); err != nil {
			return err
		}
		if b.c.lateNo[no] {
			b.c.lateHH = append(b.c.lateHH, id)
		}
	}
	return rows.Err()
}

// readAreas reads back the townships and villages the import created.
func (b *builder) readAreas(reg *registry.Service) error {
	ts, err := reg.Children(b.ctx, b.c.root.ID)
	if err != nil {
		return err
	}
	for _, t := range ts {
		ta := area{ID: t.ID, Path: t.Path, Name: t.Name}
		vs, err := reg.Children(b.ctx, t.ID)
		if err != nil {
			return err
		}
		for _, v := range vs {
			ta.Villages = append(ta.Villages, area{ID: v.ID, Path: v.Path, Name: v.Name})
		}
		b.c.towns = append(b.c.towns, ta)
	}
	b.res.Townships = len(b.c.towns)
	for _, t := range b.c.towns {
		b.res.Villages += len(t.Villages)
	}
	return nil
}

// institutions creates the designated institutions: a township hospital
// per township, a designated clinic in two villages of each township, two
// county hospitals, two city hospitals (one with an agreement) and a
// provincial hospital not networked (its patients file manual claims).
func (b *builder) institutions() error {
	svc := institution.New(b.d, institution.Options{Key: b.opt.Key, Now: b.clk.Now})
	seq := 0
	add := func(in institution.Input, town int) error {
		seq++
		if in.Code == "" {
			in.Code = fmt.Sprintf("H%s%05d", countyCode, seq)
		}
		in.BankName, in.BankAccountName = "县农村信用合作联社", in.Name
		in.BankAccountNo = fmt.Sprintf("62284800%011d", 52022100000+seq)
		created, _, err := svc.Create(b.ctx, in)
		if err != nil {
			return fmt.Errorf("institution %s: %w", in.Name, err)
		}
		b.c.byLevel[in.Level] = append(b.c.byLevel[in.Level], len(b.c.insts))
		b.c.insts = append(b.c.insts, inst{created, town})
		b.res.Institutions[string(in.Level)]++
		return nil
	}
	for _, spec := range []struct {
		code, name string
		level      institution.Level
		inCounty   bool
		agreement  bool
		networked  bool
	}{
		{"", countyName + "人民医院", institution.County, true, true, true},
		{"", countyName + "中医院", institution.County, true, true, true},
		{"H" + cityCode + "00001", "六盘水市人民医院", institution.City, false, true, true},
		{"H" + cityCode + "00002", "六盘水市第三人民医院", institution.City, false, false, true},
		{"H" + provCode + "00001", "贵州省人民医院", institution.Province, false, true, false},
	} {
		in := institution.Input{Code: spec.code, Name: spec.name, Level: spec.level, InCounty: spec.inCounty,
			Agreement: spec.agreement, Networked: spec.networked}
		if spec.inCounty {
			in.AreaID = b.c.root.ID
		}
		if err := add(in, -1); err != nil {
			return err
		}
	}
	for i, t := range b.c.towns {
		if err := add(institution.Input{Name: t.Name + "卫生院", Level: institution.Township, AreaID: t.ID, InCounty: true,
			Agreement: true, Networked: true}, i); err != nil {
			return err
		}
		for _, v := range t.Villages[:min(2, len(t.Villages))] {
			if err := add(institution.Input{Name: t.Name + v.Name + "卫生室", Level: institution.Village, AreaID: v.ID,
				InCounty: true, Agreement: true, Networked: true}, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoUsers are the accounts: one per role (printed) and the second
// finance clerk and reviewer the month-ends need (maker-checker).
var demoUsers = []struct {
	name, display string
	role          access.Role
	scope         string // county, town, village, hospital
	printed       bool
}{
	{"clerk", "乡镇参合登记员", access.Enrollment, "town", true},
	{"reviewer", "县合管中心审核员", access.Reviewer, "county", true},
	{"finance", "县合管中心财务结算员", access.Finance, "county", true},
	{"inspector", "县合管中心稽核员", access.Inspector, "county", true},
	{"director", "县合管中心主任", access.Director, "county", true},
	{"desk", "县人民医院结算员", access.Institution, "hospital", true},
	{"village", "村委会", access.Village, "village", true},
	{"auditor", "县审计局审计员", access.Auditor, "county", true},
	{"finance2", "县合管中心复核员", access.Finance, "county", false},
	{"reviewer2", "县合管中心复审员", access.Reviewer, "county", false},
}

// users creates the accounts with generated passwords, not forced to
// change at first login (the demo prints them).
func (b *builder) users() error {
	svc := auth.New(b.d, auth.Options{BcryptCost: b.opt.BcryptCost, Now: b.clk.Now})
	t0, v0 := b.c.towns[0], b.c.towns[0].Villages[0]
	for _, u := range demoUsers {
		in := auth.UserInput{Username: u.name, DisplayName: u.display, Role: u.role}
		scope := countyName
		switch u.scope {
		case "county":
			in.AreaID = b.c.root.ID
		case "town":
			in.AreaID, scope = t0.ID, t0.Name
		case "village":
			in.AreaID, scope = v0.ID, t0.Name+v0.Name
		case "hospital":
			in.InstitutionID, scope = b.c.insts[0].ID, b.c.insts[0].Name
		}
		usr, pw, err := svc.CreateUser(b.ctx, in)
		if err != nil {
			return fmt.Errorf("user %s: %w", u.name, err)
		}
		if err := b.d.InTx(b.ctx, func(tx *db.Tx) error { return svc.SetMustChange(b.ctx, tx, usr.ID, false) }); err != nil {
			return err
		}
		a := access.Actor{UserID: usr.ID, Username: usr.Username, Role: u.role, RemoteAddr: "demo"}
		switch {
		case in.InstitutionID != 0:
			a.Scope = access.Scope{InstitutionID: in.InstitutionID}
		case u.scope == "county":
			a.Scope = access.Scope{AreaID: b.c.root.ID, AreaPath: b.c.root.Path}
		case u.scope == "town":
			a.Scope = access.Scope{AreaID: t0.ID, AreaPath: t0.Path}
		default:
			a.Scope = access.Scope{AreaID: v0.ID, AreaPath: v0.Path}
		}
		b.c.users[u.name] = a
		if u.printed {
			b.res.Logins = append(b.res.Logins, Login{Role: u.role, Username: u.name, Password: pw, Scope: scope})
		}
	}
	return nil
}

// as returns a context acting as the named demo user.
func (b *builder) as(ctx context.Context, name string) context.Context {
	a, ok := b.c.users[name]
	if !ok {
		panic("demo: no user " + name)
	}
	return access.WithActor(ctx, a)
}

// person is what the visit generator needs to know of a person.
type person struct {
	ID, Household int64
	Town, Village int // indexes
	Female        bool
	Birth         civil.Date
	Cats          string
	Enrolled      bool
	CoverFrom     civil.Date
}

// loadPersons reads the registered people and their enrollment (reads
// only) in id order.
func (b *builder) loadPersons() error {
	vill := map[string][2]int{}
	for i, t := range b.c.towns {
		for j, v := range t.Villages {
			vill[v.Path] = [2]int{i, j}
		}
	}
	rows, err := b.d.QueryContext(b.ctx, `SELECT p.id, p.household_id, p.sex, p.birth_date, p.categories, h.area_path,
		COALESCE(e.cover_from, '') FROM persons p JOIN households h ON h.id = p.household_id
		LEFT JOIN enrollments e ON e.person_id = p.id AND e.year = ? AND e.cancelled_at IS NULL ORDER BY p.id`, b.year)
	if err != nil {
		return err
	}
	defer rows.Close()
	b.c.byHH = map[int64][]int{}
	enrolledHH := map[int64]bool{}
	defer func() { b.res.EnrolledHH = len(enrolledHH) }()
	for rows.Next() {
		var p person
		var sex, birth, path, from string
		if err := rows.Scan(&p.ID, &p.Household, &sex, &birth, &p.Cats, &path, &from); err != nil {
			return err
		}
		if from != "" {
			p.Enrolled, p.CoverFrom = true, civil.MustParse(from)
			b.res.Enrollees++
			if len(b.c.persons) == 0 || !b.c.persons[len(b.c.persons)-1].Enrolled || b.c.persons[len(b.c.persons)-1].Household != p.Household {
				enrolledHH[p.Household] = true
			}
		}
		p.Female, p.Birth = sex == "2", civil.MustParse(birth)
		tv := vill[pathPrefix(path, 3)] // a household's area is a group of a village
		p.Town, p.Village = tv[0], tv[1]
		b.c.byHH[p.Household] = append(b.c.byHH[p.Household], len(b.c.persons))
		b.c.persons = append(b.c.persons, p)
	}
	return rows.Err()
}

// pathPrefix returns the first n levels of an area path ("/1/5/23/").
func pathPrefix(path string, n int) string {
	seen := 0
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			if seen == n {
				return path[:i+1]
			}
			seen++
		}
	}
	return path
}
