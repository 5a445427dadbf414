package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/money"
	"ncms/internal/statement"
)

// batchItem is a payee line as shown: the account masked (the full number
// goes only into the bank file), the kind in words and a link to its record.
type batchItem struct {
	statement.Item
	Key            string // "kind:ref_id", the checkbox value
	KindZh, KindEn string
	Link           string
	AccountMasked  string
}

func batchItemOf(it statement.Item) batchItem {
	b := batchItem{Item: it, Key: it.Kind + ":" + itoa64(it.RefID), AccountMasked: institution.MaskAccount(it.Account)}
	switch it.Kind {
	case statement.KindStatement:
		b.KindZh, b.KindEn, b.Link = "月度结算单", "statement", "/statements/"+itoa64(it.RefID)
	case statement.KindClaim:
		b.KindZh, b.KindEn, b.Link = "手工报销", "manual claim", "/claims/"+itoa64(it.RefID)
	default:
		b.KindZh, b.KindEn = it.Kind, it.Kind
	}
	return b
}

// batchStatusLabel names a batch status.
func batchStatusLabel(s string) (zh, en string) {
	switch s {
	case statement.BatchOpen:
		return "待支付", "open"
	case statement.BatchPaid:
		return "已支付", "paid"
	case statement.BatchCancelled:
		return "已作废", "cancelled"
	}
	return s, s
}

// batchRow is a batch with its status in words.
type batchRow struct {
	statement.Batch
	StatusZh, StatusEn string
}

func batchRowOf(b statement.Batch) batchRow {
	zh, en := batchStatusLabel(b.Status)
	return batchRow{b, zh, en}
}

// batchListView is the data of the bank batch list.
type batchListView struct {
	Payable  []batchItem
	Total    money.Fen
	Batches  []batchRow
	Table    *List[batchRow] // the batches sorted and paged (?sort, ?dir, ?page)
	Capped   bool            // the newest batchListMax only
	Max      int
	CanMake  bool
	Selected map[string]bool
}

func (c *Console) batchList(w http.ResponseWriter, r *http.Request) error {
	return c.renderBatchList(w, r, emptyForm())
}

func (c *Console) renderBatchList(w http.ResponseWriter, r *http.Request, f *Form) error {
	a := actorOf(r)
	s := c.statements()
	v := batchListView{CanMake: a.Can(access.Finance), Selected: map[string]bool{}}
	for _, k := range f.Values["item"] {
		v.Selected[k] = true
	}
	if a.Can(stmtReviewers...) {
		items, err := s.Payable(r.Context())
		if err != nil {
			return err
		}
		for _, it := range items {
			bi := batchItemOf(it)
			if f.Status == 0 {
				v.Selected[bi.Key] = true // every payable line ticked at first
			}
			v.Payable = append(v.Payable, bi)
			v.Total += it.Amount
		}
	}
	bs, err := s.Batches(r.Context(), batchListMax)
	if err != nil {
		return err
	}
	for _, b := range bs {
		v.Batches = append(v.Batches, batchRowOf(b))
	}
	v.Capped, v.Max = len(bs) >= batchListMax, batchListMax
	v.Table = newList(r, "batches", batchColumns(Lang(r)), v.Batches, "", 50)
	if r.Method == http.MethodGet && wantsXLSX(r) {
		return v.Table.Export(w, "bank-batches", "支付批次")
	}
	return c.render(w, r, "statement_batches.html", View{Status: f.Status, Form: f, Data: v})
}

// batchCreate makes a bank batch of the ticked payable lines.
func (c *Console) batchCreate(w http.ResponseWriter, r *http.Request) error {
	f, err := newForm(r)
	if err != nil {
		return err
	}
	var refs []statement.Ref
	var bad apperr.Collector
	for _, k := range f.Values["item"] {
		kind, id, ok := strings.Cut(k, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			bad.AddField("items", "item", "无效的支付项目 "+k, "invalid item "+k)
			continue
		}
		refs = append(refs, statement.Ref{Kind: kind, RefID: n})
	}
	err = bad.Err()
	var b statement.Batch
	if err == nil {
		b, err = c.statements().CreateBatch(r.Context(), refs, f.Get("note"))
	}
	if f.Catch(err) {
		return c.renderBatchList(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已生成支付批次,请下载银行文件", En: "Bank batch made; download the bank file"})
	return redirect(w, r, "/statements/batches/"+itoa64(b.ID))
}

// batchView is the data of one batch's page.
type batchView struct {
	B      batchRow
	Lines  []batchItem
	CanPay bool
	Failed map[string]bool
	Today  string
}

func (c *Console) batchPage(w http.ResponseWriter, r *http.Request) error {
	return c.renderBatch(w, r, emptyForm("paid_on", civil.Of(time.Now().In(statement.China)).String()))
}

func (c *Console) renderBatch(w http.ResponseWriter, r *http.Request, f *Form) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := c.statements().GetBatch(r.Context(), id)
	if err != nil {
		return err
	}
	v := batchView{B: batchRowOf(b), Failed: map[string]bool{}}
	v.CanPay = actorOf(r).Can(access.Finance) && b.Status == statement.BatchOpen
	for _, s := range f.Values["failed"] {
		v.Failed[s] = true
	}
	for _, it := range b.Lines {
		v.Lines = append(v.Lines, batchItemOf(it))
	}
	return c.render(w, r, "statement_batch.html", View{Status: f.Status, Form: f, Data: v})
}

// batchFile sends the bank file: ?format=xlsx for Excel, else CSV.
func (c *Console) batchFile(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	b, err := c.statements().GetBatch(r.Context(), id)
	if err != nil {
		return err
	}
	name := "batch-" + itoa64(id)
	if r.URL.Query().Get("format") == "xlsx" {
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		return statement.WriteXLSX(w, b)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	return statement.WriteCSV(w, b)
}

// batchPay records the bank's payment: date, bank reference and the lines
// the bank returned.
func (c *Console) batchPay(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	p := statement.Payment{BankRef: f.Get("bank_ref")}
	var bad apperr.Collector
	if v := f.Get("paid_on"); v != "" {
		if day, err := civil.Parse(v); err != nil {
			bad.AddField("paid_on", "date", "日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD")
		} else {
			p.PaidOn = day
		}
	}
	for _, s := range f.Values["failed"] {
		n, err := strconv.Atoi(s)
		if err != nil {
			bad.AddField("failed", "seq", "无效的行号 "+s, "invalid line number "+s)
			continue
		}
		p.Failed = append(p.Failed, n)
	}
	err = bad.Err()
	if err == nil {
		_, err = c.statements().RecordPayment(r.Context(), id, p)
	}
	if f.Catch(err) {
		return c.renderBatch(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已登记支付", En: "Payment recorded"})
	return redirect(w, r, "/statements/batches/"+itoa64(id))
}

// batchCancel cancels an open batch with a reason.
func (c *Console) batchCancel(w http.ResponseWriter, r *http.Request) error {
	id, err := httpx.PathID(r, "id")
	if err != nil {
		return err
	}
	f, err := newForm(r)
	if err != nil {
		return err
	}
	_, err = c.statements().CancelBatch(r.Context(), id, f.Get("cancel_reason"))
	if f.Catch(err) {
		if fe, ok := f.Errors["reason"]; ok {
			delete(f.Errors, "reason")
			f.Errors["cancel_reason"] = fe
		}
		if f.Get("paid_on") == "" {
			f.Values.Set("paid_on", civil.Of(time.Now().In(statement.China)).String())
		}
		return c.renderBatch(w, r, f)
	}
	if err != nil {
		return err
	}
	c.flash(w, Flash{Kind: "ok", Zh: "已作废批次,其中项目可重新制批", En: "Batch cancelled; its lines are payable again"})
	return redirect(w, r, "/statements/batches/"+itoa64(id))
}
