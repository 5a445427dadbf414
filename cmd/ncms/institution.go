package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/institution"
)

// runInstitution dispatches `ncms institution add|list|show|rotate|suspend|reinstate|withdraw`.
func runInstitution(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	subs := map[string]func(context.Context, []string, io.Writer, io.Writer) int{
		"add": instAdd, "list": instList, "show": instShow, "rotate": instRotate,
		"suspend": instStatus(institution.Suspended), "reinstate": instStatus(institution.Active),
		"withdraw": instStatus(institution.Withdrawn),
	}
	if len(args) == 0 || subs[args[0]] == nil {
		fmt.Fprintln(stderr, "usage: ncms institution add|list|show|rotate|suspend|reinstate|withdraw [flags]\n"+
			"  add --code H52022100001 --name 龙场镇卫生院 --level township [--area CODE] [--in-county] [--agreement] [--networked] ...\n"+
			"  list | show CODE | rotate CODE [--grace 24h] | suspend CODE --reason TEXT | reinstate CODE | withdraw CODE --reason TEXT")
		return 2
	}
	return subs[args[0]](ctx, args[1:], stdout, stderr)
}

// institutionService opens the database and the secret key for a command.
func institutionService(ctx context.Context, dsn string, stderr io.Writer) (*institution.Service, *db.DB, bool) {
	d, ok := openDB(ctx, dsn, stderr)
	if !ok {
		return nil, nil, false
	}
	key, err := institution.LoadKey(dsn)
	if err != nil {
		fmt.Fprintf(stderr, "ncms: %v\n", err)
		d.Close()
		return nil, nil, false
	}
	return institution.New(d, institution.Options{Key: key}), d, true
}

// instActor is the actor of command-line tools.
func instActor(ctx context.Context, name string) context.Context {
	return access.WithActor(ctx, access.System(name))
}

// instPrintErr prints an error; a user error lists its fields. It returns the exit code.
func instPrintErr(stderr io.Writer, err error) int {
	if e, ok := apperr.As(err); ok {
		fmt.Fprintf(stderr, "ncms: %s / %s\n", e.Zh, e.En)
		for _, f := range e.Fields {
			if f.Row > 0 {
				fmt.Fprintf(stderr, "  第%d行 row %d, %s: %s / %s\n", f.Row, f.Row, f.Field, f.Zh, f.En)
			} else {
				fmt.Fprintf(stderr, "  %s: %s / %s\n", f.Field, f.Zh, f.En)
			}
		}
		return 1
	}
	fmt.Fprintf(stderr, "ncms: %v\n", err)
	return 1
}

func instAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("institution add", stderr)
	var in institution.Input
	var level string
	fs.StringVar(&in.Code, "code", "", "national institution code fixmedins_code, e.g. H52022100001")
	fs.StringVar(&in.Name, "name", "", "name 机构名称")
	fs.StringVar(&level, "level", "", "village|township|county|city|province")
	fs.BoolVar(&in.Private, "private", false, "private institution 民营")
	fs.StringVar(&in.AreaCode, "area", "", "area code in the area tree (required for in-county institutions)")
	fs.BoolVar(&in.InCounty, "in-county", false, "located in the county 县内")
	fs.BoolVar(&in.Agreement, "agreement", false, "has a service agreement 协议机构")
	fs.BoolVar(&in.Networked, "networked", false, "networked for real-time settlement 即时结报")
	fs.StringVar(&in.BankName, "bank", "", "bank name 开户银行")
	fs.StringVar(&in.BankAccountName, "account-name", "", "bank account name 账户名称")
	fs.StringVar(&in.BankAccountNo, "account-no", "", "bank account number 银行账号 (digits)")
	asJSON := fs.Bool("json", false, "print the credentials as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	in.Level = institution.Level(level)
	if l, ok := institution.ParseLevel(level); ok {
		in.Level = l
	}
	s, d, ok := institutionService(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	inst, cred, err := s.Create(instActor(ctx, "institution"), in)
	if err != nil {
		return instPrintErr(stderr, err)
	}
	printCredentials(stdout, inst, cred, *asJSON)
	return 0
}

func printCredentials(w io.Writer, inst institution.Institution, cred institution.Credentials, asJSON bool) {
	if asJSON {
		b, _ := json.MarshalIndent(cred, "", "  ")
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintf(w, "%s %s\npaasid: %s\nsecret: %s\n", inst.Code, inst.Name, cred.PaasID, cred.Secret)
	fmt.Fprintln(w, "请立即妥善保存密钥,此后不再显示 / Keep the secret now: it will not be shown again.")
}

func instList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("institution list", stderr)
	q := fs.String("q", "", "part of the code or name")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	s, d, ok := institutionService(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	list, total, err := s.List(instActor(ctx, "institution"), institution.Filter{Query: *q, Limit: 500})
	if err != nil {
		return instPrintErr(stderr, err)
	}
	if *asJSON {
		b, _ := json.MarshalIndent(list, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tNAME\tLEVEL\tCOUNTY\tAGREEMENT\tNETWORKED\tSTATUS\tSINCE")
	for _, in := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Code, in.Name, in.Level, instYN(in.InCounty, "in", "out"),
			instYN(in.Agreement, "yes", "no"), instYN(in.Networked, "yes", "no"), in.Status, in.StatusSince)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d institution(s)\n", total)
	return 0
}

func instYN(b bool, y, n string) string {
	if b {
		return y
	}
	return n
}

// instCodeArg parses flags and returns the one positional CODE argument.
func instCodeArg(fs *flag.FlagSet, args []string, stderr io.Writer) (string, bool) {
	// Accept CODE before or after the flags.
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		if fs.Parse(args[1:]) != nil {
			return "", false
		}
		return args[0], true
	}
	if fs.Parse(args) != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "ncms: give one institution code / 请给出一个机构编码")
		return "", false
	}
	return fs.Arg(0), true
}

func instShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("institution show", stderr)
	code, ok := instCodeArg(fs, args, stderr)
	if !ok {
		return 2
	}
	s, d, ok := institutionService(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	actx := instActor(ctx, "institution")
	in, err := s.ByCode(actx, code)
	if err != nil {
		return instPrintErr(stderr, err)
	}
	hist, err := s.History(actx, in.ID)
	if err != nil {
		return instPrintErr(stderr, err)
	}
	b, _ := json.MarshalIndent(struct {
		institution.Institution
		History []institution.StatusEvent `json:"status_history"`
	}{in, hist}, "", "  ")
	fmt.Fprintln(stdout, string(b))
	return 0
}

func instRotate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("institution rotate", stderr)
	grace := fs.Duration("grace", institution.DefaultGrace, "how long the previous secret keeps working")
	asJSON := fs.Bool("json", false, "print the credentials as JSON")
	code, ok := instCodeArg(fs, args, stderr)
	if !ok {
		return 2
	}
	s, d, ok := institutionService(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	actx := instActor(ctx, "institution")
	in, err := s.ByCode(actx, code)
	if err != nil {
		return instPrintErr(stderr, err)
	}
	cred, err := s.Rotate(actx, in.ID, *grace)
	if err != nil {
		return instPrintErr(stderr, err)
	}
	printCredentials(stdout, in, cred, *asJSON)
	if !*asJSON {
		until := time.Now().Add(*grace).In(institution.China).Format("2006-01-02 15:04")
		fmt.Fprintf(stdout, "旧密钥在 %s 前仍有效 / the previous secret works until %s (UTC+8)\n", until, until)
	}
	return 0
}

func instStatus(st institution.Status) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		fs, dsn := newFlags("institution "+string(st), stderr)
		reason := fs.String("reason", "", "reason (required to suspend or withdraw)")
		code, ok := instCodeArg(fs, args, stderr)
		if !ok {
			return 2
		}
		s, d, ok := institutionService(ctx, *dsn, stderr)
		if !ok {
			return 1
		}
		defer d.Close()
		actx := instActor(ctx, "institution")
		in, err := s.ByCode(actx, code)
		if err != nil {
			return instPrintErr(stderr, err)
		}
		out, err := s.SetStatus(actx, in.ID, institution.StatusChange{Status: st, Reason: *reason})
		if err != nil {
			return instPrintErr(stderr, err)
		}
		zh, en := out.Status.Label()
		fmt.Fprintf(stdout, "%s %s: %s / %s since %s\n", out.Code, out.Name, zh, en, out.StatusSince)
		return 0
	}
}
