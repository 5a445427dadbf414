// Command ncms runs a county's rural cooperative medical insurance: the web
// console, the JSON API, the hospital (HIS) interface, and the command-line
// tools, all in one binary. Run "ncms help" for the list of commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: it parses its own flags and returns the exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands is the table of subcommands; each lives in its own file.
var commands = map[string]command{
	"version":     {"print the version / 显示版本", runVersion},
	"serve":       {"serve the console, API and HIS interface / 启动服务", runServe},
	"calc":        {"settle one case with a scheme / 按补偿方案计算一个案例", runCalc},
	"scheme":      {"check a compensation scheme file / 校验补偿方案", runScheme},
	"institution": {"designated institutions and their HIS credentials / 定点医疗机构", runInstitution},
	"catalog":     {"the reimbursement catalogue: import, list, show / 医保目录", runCatalog},
	"init":        {"create the schema, the county and the first administrator / 初始化", runInit},
	"user":        {"accounts: add, list, reset-password, disable, enable / 用户管理", runUser},
	"import":      {"import households from CSV or XLSX / 导入户籍花名册", runImport},
	"sandbox":     {"create the HIS vendors' sandbox county / 创建HIS厂商联调沙盒", runSandbox},
	"report":      {"statistical tables of SPEC §12 (json, csv, xlsx) / 统计报表", runReport},
	"stats":       {"stats refresh: bring the statistics rollup up to date (nightly) / 更新统计汇总", runStats},
	"bench":       {"measure HIS settlement over HTTP and the machine's ceilings / 性能测试", runBench},
	"backup":      {"copy the database to a file, online / 在线备份数据库", runBackup},
	"restore":     {"replace the database with a backup (server stopped) / 从备份恢复数据库", runRestore},
	"demo":        {"build a synthetic county with a year of activity and serve it / 演示县", runDemo},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch runs the subcommand named by args[0].
func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ncms: unknown command %q / 未知命令\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ncms — rural cooperative medical insurance / 新型农村合作医疗管理系统")
	fmt.Fprintln(w, "\nUsage: ncms COMMAND [flags]   (every command takes --db DSN, env NCMS_DB)\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ncms COMMAND -h' for a command's flags.")
}
