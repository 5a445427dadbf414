package catalog_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"ncms/internal/apperr"
	"ncms/internal/catalog"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// TestImportFileGB18030TitleRow: a GB18030 CSV as Chinese Excel saves it,
// with a title row and header aliases; errors name the spreadsheet rows,
// and ReadFile keeps them for Import.
func TestImportFileGB18030TitleRow(t *testing.T) {
	text := "某县2024年报销目录\n" +
		"医保目录编码,药品名称,目录类型,甲乙类,先行自付比例,生效日期,备注\n" +
		"X001,阿莫西林胶囊,药品,甲,,2024-01-01,常用\n" +
		"\n" +
		"X002,头孢克肟胶囊,药品,乙,2,2024-01-01,\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(d)
		_, err := s.ImportFile(admin, bytes.NewReader(gb), "目录.csv")
		e, ok := apperr.As(err)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Row != 5 || e.Fields[0].Field != "selfpay_prop" {
			t.Fatalf("import = %v (%+v)", err, e)
		}
		rows, err := catalog.ReadFile(bytes.NewReader(gb), "目录.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Import(admin, rows)
		if e, ok := apperr.As(err); !ok || e.Fields[0].Row != 5 {
			t.Fatalf("import of ReadFile rows = %v", err)
		}
		fixed := strings.Replace(text, "乙,2,", "乙,10%,", 1)
		res, err := s.ImportFile(admin, strings.NewReader(fixed), "目录.csv")
		if err != nil || res.Rows != 2 || res.Actions[1].Row != 5 {
			t.Fatalf("fixed import = %+v, %v", res, err)
		}
		_, err = s.ImportFile(admin, strings.NewReader("编码,名称\nX1,a\n"), "x.csv")
		if e, ok := apperr.As(err); !ok || e.Code != "missing_column" || len(e.Fields) != 2 {
			t.Fatalf("missing columns = %v", err)
		}
		if _, err := s.ImportFile(clerk, strings.NewReader(fixed), "x.csv"); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("clerk = %v", err)
		}
	})
}
