package deps
import (
 _ "modernc.org/sqlite"
 _ "github.com/jackc/pgx/v5/stdlib"
 _ "golang.org/x/crypto/bcrypt"
 _ "golang.org/x/text/encoding/simplifiedchinese"
 _ "github.com/xuri/excelize/v2"
 _ "github.com/chromedp/chromedp"
 _ "gopkg.in/yaml.v3"
)
