package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"ncms/internal/access"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/enroll"
	"ncms/internal/his"
	"ncms/internal/idcard"
	"ncms/internal/institution"
	"ncms/internal/registry"
)

// county is the scratch county a HIS run uses.
type county struct {
	sb      *his.SandboxFile
	key     institution.Key
	persons []int64 // psn_no of every enrolled person; the first HotPersons are the hot ones
}

// newCounty makes d (fresh, migrated) into the vendors' sandbox county and
// adds enrolled households of four until there are opt.Persons persons.
func newCounty(ctx context.Context, d *db.DB, opt Options) (*county, error) {
	yaml, err := os.ReadFile(filepath.Join(opt.SchemeDir, "chongqing-2013.yaml"))
	if err != nil {
		return nil, fmt.Errorf("%w (use --schemes DIR)", err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	key, err := institution.NewKey(b)
	if err != nil {
		return nil, err
	}
	sb, err := his.CreateSandbox(ctx, d, his.SandboxOptions{SchemeFile: "chongqing-2013.yaml", SchemeYAML: yaml, Key: key})
	if err != nil {
		return nil, err
	}
	c := &county{sb: sb, key: key}
	for _, p := range sb.Persons {
		id, _ := strconv.ParseInt(p.PsnNo, 10, 64)
		c.persons = append(c.persons, id)
	}
	return c, c.addPersons(ctx, d, opt.Persons-len(c.persons))
}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")
)

// addPersons registers and enrolls households of four (head, spouse, two
// children) in the sandbox village for the sandbox year.
func (c *county) addPersons(ctx context.Context, d *db.DB, n int) error {
	if n <= 0 {
		return nil
	}
	ctx = access.WithActor(ctx, access.System("bench"))
	var village int64
	if err := d.QueryRowContext(ctx, `SELECT id FROM areas WHERE level = 'village' ORDER BY id LIMIT 1`).Scan(&village); err != nil {
		return fmt.Errorf("sandbox village: %w", err)
	}
	reg := registry.New(d, registry.Options{})
	en := enroll.New(d, enroll.Options{})
	y, err := en.Year(ctx, c.sb.Year)
	if err != nil {
		return err
	}
	rels := []string{"户主", "配偶", "子", "女"}
	for h := 0; n > 0; h++ {
		in := registry.HouseholdInput{AreaID: village, Address: fmt.Sprintf("二组%d号", h+1)}
		base := civil.New(1940, 1, 1).AddDays(h % 3650)
		for m := 0; m < 4; m++ {
			birth := base.AddDays(m * 3700) // head 1940s, spouse ~10 years younger, children later
			male := m == 0 || m == 2
			name := string([]rune{surnames[h%len(surnames)], given[(h/len(surnames)+m)%len(given)], given[(h+3*m)%len(given)]})
			in.Members = append(in.Members, registry.PersonInput{
				IDNumber: idcard.Generate(c.sb.MdtrtareaAdmvs, birth, 100+2*m+h/3650*10, male), Name: name, Relation: rels[m]})
		}
		if len(in.Members) > n {
			in.Members = in.Members[:n]
		}
		hh, err := reg.RegisterHousehold(ctx, in)
		if err != nil {
			return fmt.Errorf("bench household %d: %w", h, err)
		}
		if _, err := en.Enroll(ctx, enroll.EnrollInput{Year: c.sb.Year, HouseholdID: hh.ID, Tier: 1 + h%2, PaidOn: y.WindowTo}); err != nil {
			return fmt.Errorf("bench enrollment %d: %w", h, err)
		}
		for _, m := range hh.Members {
			c.persons = append(c.persons, m.ID)
		}
		n -= len(hh.Members)
	}
	return nil
}
