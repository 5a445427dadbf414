package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"ncms/internal/access"
	"ncms/internal/auth"
)

// runUser manages accounts from the command line: the way back in when the
// only administrator is locked out or has lost the password.
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: ncms user add|list|reset-password|disable|enable [flags]  (ncms user SUB -h)")
		return 2
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "add":
		return userAdd(ctx, rest, stdout, stderr)
	case "list":
		return userList(ctx, rest, stdout, stderr)
	case "reset-password", "disable", "enable":
		return userChange(ctx, sub, rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "ncms user: unknown subcommand %q / 未知子命令\n", sub)
	return 2
}

// userCtx is the context of the command-line operator.
func userCtx(ctx context.Context) context.Context {
	return access.WithActor(ctx, access.System("cli"))
}

func userAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("user add", stderr)
	username := fs.String("username", "", "login name (3–32 lower-case letters, digits, . _ -)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "role: admin enrollment reviewer finance inspector director institution village insurer auditor participant")
	areaCode := fs.String("area-code", "", "scope: division code of the area (county, township or village)")
	inst := fs.Int64("institution-id", 0, "scope of an institution clerk: the institution's id")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	svc := auth.New(d, auth.Options{})
	ctx = userCtx(ctx)
	in := auth.UserInput{Username: *username, DisplayName: *name, Role: access.Role(*role), InstitutionID: *inst}
	if *areaCode != "" {
		id, err := svc.AreaIDByCode(ctx, *areaCode)
		if err != nil {
			fmt.Fprintf(stderr, "ncms user add: %v\n", err)
			return 1
		}
		in.AreaID = id
	}
	u, pw, err := svc.CreateUser(ctx, in)
	if err != nil {
		fmt.Fprintf(stderr, "ncms user add: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "user / 用户: %s (%s)\npassword / 密码: %s\n(shown once; to be changed at first login / 只显示一次，首次登录须修改)\n", u.Username, u.Role, pw)
	return 0
}

func userList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("user list", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	users, _, err := auth.New(d, auth.Options{}).Users(userCtx(ctx), auth.UserFilter{Limit: 500})
	if err != nil {
		fmt.Fprintf(stderr, "ncms user list: %v\n", err)
		return 1
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tNAME\tROLE\tSCOPE\tSTATUS")
	for _, u := range users {
		scope, status := u.AreaName, "active"
		if u.InstitutionID != 0 {
			scope = fmt.Sprintf("institution %d", u.InstitutionID)
		}
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, u.Role, scope, status)
	}
	return boolExit(tw.Flush() == nil)
}

func boolExit(ok bool) int {
	if ok {
		return 0
	}
	return 1
}

func userChange(ctx context.Context, sub string, args []string, stdout, stderr io.Writer) int {
	fs, dsn := newFlags("user "+sub, stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "usage: ncms user %s [--db DSN] USERNAME\n", sub)
		return 2
	}
	d, ok := openDB(ctx, *dsn, stderr)
	if !ok {
		return 1
	}
	defer d.Close()
	svc := auth.New(d, auth.Options{})
	ctx = userCtx(ctx)
	u, err := svc.UserByName(ctx, fs.Arg(0))
	if err == nil {
		switch sub {
		case "reset-password":
			var pw string
			if pw, err = svc.ResetPassword(ctx, u.ID); err == nil {
				fmt.Fprintf(stdout, "password / 密码: %s\n(shown once; the lockout is lifted; to be changed at next login / 只显示一次，锁定已解除，下次登录须修改)\n", pw)
			}
		default:
			if err = svc.SetDisabled(ctx, u.ID, sub == "disable"); err == nil {
				fmt.Fprintf(stdout, "%s: %sd\n", u.Username, sub)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "ncms user %s: %v\n", sub, err)
		if errors.Is(err, context.Canceled) {
			return 130
		}
		return 1
	}
	return 0
}
