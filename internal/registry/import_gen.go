package registry

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"ncms/internal/civil"
	"ncms/internal/idcard"
	"ncms/internal/importfile"
)

// GenerateOptions shape a synthetic household file (for benchmarks, tests
// and demonstrations; every person and number in it is made up).
type GenerateOptions struct {
	Persons    int    // how many people (rows)
	Seed       uint64 // same seed, same file
	CountyCode string // 6-digit code used in ID numbers and household numbers (default 520123)
	Townships  int    // default 20
	Villages   int    // per township, default 15
	Groups     int    // per village, default 8
}

var (
	genSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	genGiven    = []rune("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文红玉梅林春生德海云山水金银福贵兴旺成荣富坤")
	genCats     = []struct {
		name string
		per  int // per thousand
	}{{"低保", 40}, {"五保", 8}, {"残疾", 25}, {"外出务工", 120}, {"建档立卡贫困", 60}, {"优抚", 5}}
)

// GenerateHouseholdCSV writes a household import file (UTF-8 CSV with a
// BOM) of opt.Persons people in households of 1–7 members, each with one
// head, and returns the number of households.
func GenerateHouseholdCSV(w io.Writer, opt GenerateOptions) (int, error) {
	if opt.CountyCode == "" {
		opt.CountyCode = "520123"
	}
	opt.Townships, opt.Villages, opt.Groups = max(opt.Townships, 1), max(opt.Villages, 1), max(opt.Groups, 1)
	if opt.Townships == 1 && opt.Villages == 1 && opt.Groups == 1 {
		opt.Townships, opt.Villages, opt.Groups = 20, 15, 8
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := importfile.WriteTemplate(bw, "x.csv", HouseholdColumns[:9], nil); err != nil {
		return 0, err
	}
	g := &generator{opt: opt, rnd: rand.New(rand.NewPCG(opt.Seed, 0x6e636d73)), used: map[string]bool{}, cw: csv.NewWriter(bw)}
	for g.persons < opt.Persons {
		if err := g.household(); err != nil {
			return g.households, err
		}
	}
	g.cw.Flush()
	if err := g.cw.Error(); err != nil {
		return g.households, err
	}
	return g.households, bw.Flush()
}

// genMember is one member of a generated household; same: shares the
// head's surname.
type genMember struct {
	rel        string
	year       int
	male, same bool
}

type generator struct {
	opt                 GenerateOptions
	rnd                 *rand.Rand
	used                map[string]bool
	cw                  *csv.Writer
	persons, households int
	rec                 [9]string
}

// household writes one household: a head, often a spouse, children, and
// sometimes a parent of the head.
func (g *generator) household() error {
	g.households++
	h := g.households - 1
	per := g.opt.Persons / max(1, g.opt.Townships*g.opt.Villages*g.opt.Groups) / 3
	place := h / max(per, 1) % (g.opt.Townships * g.opt.Villages * g.opt.Groups)
	t, v, gr := place/(g.opt.Villages*g.opt.Groups), place/g.opt.Groups%g.opt.Villages, place%g.opt.Groups
	g.rec[0] = fmt.Sprintf("%s%03d%03d%05d", g.opt.CountyCode, t+1, v+1, h+1)
	g.rec[1] = "第" + strconv.Itoa(t+1) + "镇"
	g.rec[2] = "第" + strconv.Itoa(v+1) + "村"
	g.rec[3] = strconv.Itoa(gr+1) + "组"
	surname := string(genSurnames[g.rnd.IntN(len(genSurnames))])
	headYear := 1940 + g.rnd.IntN(60)
	male := g.rnd.IntN(10) < 8
	phone := fmt.Sprintf("1%d%09d", 3+g.rnd.IntN(7), g.rnd.IntN(1e9))
	members := []genMember{{"户主", headYear, male, true}}
	if g.rnd.IntN(10) < 8 {
		members = append(members, genMember{"配偶", headYear + g.rnd.IntN(7) - 3, !male, false})
	}
	for i, n := 0, g.rnd.IntN(4); i < n && headYear+22+i*2 < 2023; i++ {
		m := g.rnd.IntN(2) == 0
		rel := "女"
		if m {
			rel = "子"
		}
		members = append(members, genMember{rel, headYear + 22 + i*2 + g.rnd.IntN(3), m, true})
	}
	if headYear > 1965 && g.rnd.IntN(5) == 0 {
		members = append(members, genMember{"母亲", headYear - 25 - g.rnd.IntN(8), false, true})
	}
	for i, m := range members {
		if g.persons >= g.opt.Persons && i > 0 {
			break
		}
		name := g.name(surname, m.same)
		p := ""
		if i == 0 {
			p = phone
		}
		if err := g.person(name, m.rel, m.year, m.male, p); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) name(surname string, same bool) string {
	if !same {
		surname = string(genSurnames[g.rnd.IntN(len(genSurnames))])
	}
	n := surname + string(genGiven[g.rnd.IntN(len(genGiven))])
	if g.rnd.IntN(3) > 0 {
		n += string(genGiven[g.rnd.IntN(len(genGiven))])
	}
	return n
}

// person writes one row with a unique valid ID number.
func (g *generator) person(name, rel string, year int, male bool, phone string) error {
	var id string
	for {
		birth := civil.New(min(year, 2023), 1, 1).AddDays(g.rnd.IntN(365))
		id = idcard.Generate(g.opt.CountyCode, birth, g.rnd.IntN(1000), male)
		if !g.used[id] {
			g.used[id] = true
			break
		}
	}
	cats := ""
	for _, c := range g.opt.cats(g.rnd) {
		if cats != "" {
			cats += "、"
		}
		cats += c
	}
	g.rec[4], g.rec[5], g.rec[6], g.rec[7], g.rec[8] = name, id, rel, phone, cats
	g.persons++
	return g.cw.Write(g.rec[:])
}

func (GenerateOptions) cats(r *rand.Rand) []string {
	var out []string
	for _, c := range genCats {
		if r.IntN(1000) < c.per {
			out = append(out, c.name)
		}
	}
	return out
}
