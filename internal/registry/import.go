package registry

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/importfile"
)

// HouseholdColumns are the columns of a household import file (导入花名册):
// one row per person, the household number grouping them. The first name
// of each column is the one templates use.
var HouseholdColumns = []importfile.Column{
	{Key: "household_no", Required: true, Names: []string{"户编号", "户号", "户编码", "家庭编号", "家庭户号", "household_no", "household_number", "household"}},
	{Key: "township", Required: true, Names: []string{"乡镇", "乡（镇）", "乡镇名称", "乡镇街道", "乡", "镇", "township", "town"}},
	{Key: "village", Required: true, Names: []string{"村", "行政村", "村名", "村委会", "村（居）委会", "village"}},
	{Key: "group", Names: []string{"组", "村民小组", "小组", "组别", "社", "group"}},
	{Key: "name", Required: true, Names: []string{"姓名", "name"}},
	{Key: "id_number", Required: true, Names: []string{"身份证号", "身份证号码", "公民身份号码", "公民身份证号", "身份证", "证件号码", "id_number", "id_no", "idcard", "id_card"}},
	{Key: "relation", Required: true, Names: []string{"与户主关系", "与户主的关系", "家庭关系", "关系", "relation", "relationship"}},
	{Key: "phone", Names: []string{"联系电话", "电话", "电话号码", "手机号", "手机号码", "手机", "联系方式", "phone", "mobile", "tel"}},
	{Key: "categories", Names: []string{"人员类别", "人员类型", "类别", "人员属性", "特殊人群", "categories", "category"}},
	{Key: "sex", Names: []string{"性别", "sex", "gender"}},
	{Key: "birth_date", Names: []string{"出生日期", "出生年月日", "出生年月", "birth_date", "birthday", "date_of_birth"}},
	{Key: "address", Names: []string{"地址", "家庭住址", "家庭地址", "住址", "address"}},
}

// ImportOptions configure ImportHouseholds.
type ImportOptions struct {
	// FileName is recorded in the audit trail and in each person's
	// registration event.
	FileName string
	// MaxErrors bounds the problems kept for the report (default 100000);
	// ImportResult.ErrorCount still counts them all.
	MaxErrors int
	// Progress, when set, is called now and then (every few ten thousand
	// rows, and at the end of each phase) from the importing goroutine.
	Progress func(ImportProgress)
}

// ImportProgress tells how far an import is.
type ImportProgress struct {
	Phase   string // "validate" or "write"
	Rows    int    // rows done in this phase
	Offset  int64  // bytes of the file read (CSV only; 0 for XLSX)
	Size    int64  // size of the file
	Elapsed time.Duration
	Done    bool // the phase is finished
}

// ImportResult is the outcome of an import. On refusal Errors lists the
// bad rows (row, column, reason) and nothing was written.
type ImportResult struct {
	Rows         int                 `json:"rows"`       // data rows read
	Imported     int                 `json:"imported"`   // persons written
	Households   int                 `json:"households"` // households written
	AreasCreated int                 `json:"areas_created"`
	Errors       []apperr.FieldError `json:"errors"`
	ErrorCount   int                 `json:"error_count"` // may exceed len(Errors)
	Format       string              `json:"format"`      // how the file was read
	Validate     time.Duration       `json:"-"`
	Write        time.Duration       `json:"-"`
}

// ImportHouseholds registers every household and person of a file in one
// transaction, or nothing. It reads the file twice: the first pass checks
// every row (ID numbers, names, relations, one head per household, areas,
// duplicates in the file and in the register) and collects all problems;
// only when there are none does the second pass write the areas, households,
// persons and their "registered" events, and one audit row for the whole
// import (not one per person: the file name and counts identify what was
// imported, and each person's event names the file and row).
//
// Areas named in the file (乡镇 / 村 / 组) are found under the county root or
// created with generated codes. The actor needs the right to register
// households (administrator, or an enrollment clerk within scope).
//
// On refusal the error is an *apperr.Error listing the problems (also in
// the result's Errors).
func (s *Service) ImportHouseholds(ctx context.Context, rd *importfile.Reader, opt ImportOptions) (ImportResult, error) {
	act, err := writer(ctx)
	if err != nil {
		return ImportResult{}, err
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 100000
	}
	res := ImportResult{Format: string(rd.Format())}
	start := time.Now()
	plan, err := s.checkImport(ctx, act, rd, opt)
	res.Validate = time.Since(start)
	if err != nil {
		return res, err
	}
	res.Rows = plan.rows
	if plan.errs.count > 0 {
		res.Errors, res.ErrorCount = plan.errs.sorted(), plan.errs.count
		return res, refused(res)
	}
	if plan.rows == 0 {
		return res, apperr.Field("file", "no_rows", "文件中没有数据行", "the file has no data rows")
	}
	start = time.Now()
	setup, undo := importSession(s.db)
	err = s.db.InTxSession(ctx, setup, undo, func(tx *db.Tx) error {
		var err error
		res.AreasCreated, err = s.writeImport(ctx, tx, rd, plan, opt)
		return err
	})
	res.Write = time.Since(start)
	if db.IsUniqueViolation(err) { // the check pass found none: someone registered meanwhile
		return res, errRegisterChanged
	}
	if err != nil {
		return res, err
	}
	res.Imported, res.Households = plan.rows, len(plan.households)
	return res, nil
}

// refused is the error of an import with bad rows.
func refused(res ImportResult) error {
	e := apperr.Fields(res.Errors)
	e.Code = "import_refused"
	e.Zh = fmt.Sprintf("文件有%d处错误，未导入任何数据", res.ErrorCount)
	e.En = fmt.Sprintf("%d problems in the file; nothing was imported", res.ErrorCount)
	return e
}

// errList collects row problems up to a limit, counting them all.
type errList struct {
	list  []apperr.FieldError
	count int
	max   int
	order map[string]int // column key -> position, for sorting
}

func (l *errList) add(f apperr.FieldError) {
	l.count++
	if len(l.list) < l.max {
		l.list = append(l.list, f)
	}
}

// sorted returns the problems by row, then by column order of the schema.
func (l *errList) sorted() []apperr.FieldError {
	sort.SliceStable(l.list, func(i, j int) bool {
		a, b := l.list[i], l.list[j]
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return l.order[a.Field] < l.order[b.Field]
	})
	return l.list
}

// progressEvery is how many rows pass between progress reports.
const progressEvery = 20000

// reporter calls opt.Progress for one phase.
type reporter struct {
	fn    func(ImportProgress)
	phase string
	rd    *importfile.Reader
	start time.Time
}

func newReporter(opt ImportOptions, phase string, rd *importfile.Reader) *reporter {
	return &reporter{fn: opt.Progress, phase: phase, rd: rd, start: time.Now()}
}

func (r *reporter) report(rows int, done bool) {
	if r.fn == nil || (!done && rows%progressEvery != 0) {
		return
	}
	r.fn(ImportProgress{Phase: r.phase, Rows: rows, Offset: r.rd.Offset(), Size: r.rd.Size(), Elapsed: time.Since(r.start), Done: done})
}

// readRows reads and parses every row of rd in a goroutine, sending them in
// batches; the returned function reports the reading error, if any, after
// the channel is closed.
func readRows(ctx context.Context, rd *importfile.Reader, p rowParser) (<-chan []parsedRow, func() error) {
	ch := make(chan []parsedRow, 4)
	var rerr error
	go func() {
		defer close(ch)
		batch := make([]parsedRow, 0, rowBatch)
		for {
			r, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				rerr = err
				return
			}
			batch = append(batch, p.parse(r))
			if len(batch) == rowBatch {
				select {
				case ch <- batch:
				case <-ctx.Done():
					rerr = ctx.Err()
					return
				}
				batch = make([]parsedRow, 0, rowBatch)
			}
		}
		if len(batch) > 0 {
			select {
			case ch <- batch:
			case <-ctx.Done():
			}
		}
	}()
	return ch, func() error { return rerr }
}

// drain stops a readRows goroutine and waits for it to finish, so that the
// reader is no longer in use when the import returns.
func drain(cancel context.CancelFunc, rows <-chan []parsedRow) {
	cancel()
	for range rows {
	}
}

// rowBatch is how many parsed rows travel together between goroutines.
const rowBatch = 512
