package api_test

import (
	"fmt"
	"strings"
	"testing"

	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

// The books through the API: the sandbox outpatient visit of TestSettleAPI
// (fund 44.80, worked by hand there) settles at the township hospital; the
// ledger then shows one balanced settlement entry — basic compensation
// expense 44.80 debited, payable to that hospital 44.80 credited — which
// the drill-down reaches from the postings list, and the hospital's
// position shows 44.80 advanced and payable. Interest recorded by finance
// (12.34) lands in the fund report beside the 44.80 spent; amounts with three decimals and
// readers outside finance are refused, and nothing is written by a refusal.
func TestLedgerAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newSettleAPI(t, d)
		p := e.sb.Persons[0]
		vs := e.want(201, e.town, "POST", "/settle/visits", `{"psn_no":`+p.PsnNo+`,"med_type":"11","begntime":"`+today()+`","diagnoses":["J06.9"]}`)
		vid := fmt.Sprint(vs["mdtrt_id"])
		e.want(201, e.town, "POST", "/settle/visits/"+vid+"/lines", `{"lines":[
			{"feedetl_sn":"1","med_list_codg":"S110200001","cnt":"1","pric":"10"},
			{"feedetl_sn":"2","med_list_codg":"XJ01CAA040A001010101445","cnt":"24","pric":"0.25"},
			{"feedetl_sn":"3","med_list_codg":"XJ01DDA080A001010101445","cnt":"10","pric":"3.20","det_item_fee_sumamt":"32.00"},
			{"feedetl_sn":"4","med_list_codg":"ZC99ZZZ0001010100001","cnt":"1","pric":"50"}]}`)
		st := e.want(201, e.town, "POST", "/settle/visits/"+vid+"/settle", `{"medfee_sumamt":"98.00"}`)
		sid := fmt.Sprint(st["setl_id"])
		year := today()[:4]

		// Readers: finance reads; an institution's desk clerk does not.
		e.want(403, e.town, "GET", "/ledger/trial-balance", "")
		e.want(403, e.town, "GET", "/fund/"+year, "")

		tb := e.want(200, e.fin, "GET", "/ledger/trial-balance", "")
		if tb["balanced"] != true || tb["debit"] != tb["credit"] {
			t.Fatalf("trial balance not balanced: %v", tb)
		}

		// Drill-down: postings of the settlement event → its entry.
		ps := e.want(200, e.fin, "GET", "/ledger/postings?event_kind=settlement&event_id="+sid, "")
		list, _ := ps["postings"].([]any)
		if len(list) != 2 {
			t.Fatalf("settlement postings: %v", ps)
		}
		sides := map[string]string{}
		var entryID string
		for _, x := range list {
			m := x.(map[string]any)
			entryID = fmt.Sprint(m["entry_id"])
			if m["debit"] != "0.00" {
				sides["debit "+fmt.Sprint(m["account"])] = fmt.Sprint(m["debit"])
			} else {
				sides["credit "+fmt.Sprint(m["account"])] = fmt.Sprint(m["credit"])
			}
		}
		if sides["debit 5101"] != "44.80" || sides["credit 2101"] != "44.80" {
			t.Fatalf("settlement posts %v, want Dr 5101 44.80 / Cr 2101 44.80", sides)
		}
		ent := e.want(200, e.fin, "GET", "/ledger/entries/"+entryID, "")
		if ent["event_kind"] != "settlement" || fmt.Sprint(ent["event_id"]) != sid || ent["total"] != "44.80" {
			t.Fatalf("entry: %v", ent)
		}
		e.want(404, e.fin, "GET", "/ledger/entries/999999", "")
		bad := e.want(422, e.fin, "GET", "/ledger/postings?event_kind=nonsense", "")
		if !strings.Contains(fmt.Sprint(bad), "event_kind") {
			t.Fatalf("unknown event kind not named: %v", bad)
		}

		pos := e.want(200, e.fin, "GET", fmt.Sprintf("/ledger/institutions/%d", e.townID), "")
		if pos["advanced"] != "44.80" || pos["payable"] != "44.80" || pos["paid"] != "0.00" {
			t.Fatalf("township hospital position: %v", pos)
		}

		// Interest: three decimals refused, nothing written; 12.34 recorded.
		before := e.count("ledger_entries")
		bad = e.want(422, e.fin, "POST", "/fund/"+year+"/interest", `{"amount":"12.345","on":"`+today()+`","reference":"bank-1"}`)
		if dig(bad, "error", "fields", 0, "field") != "amount" {
			t.Fatalf("three decimals: field not named: %v", bad)
		}
		e.want(403, e.town, "POST", "/fund/"+year+"/interest", `{"amount":"12.34","on":"`+today()+`","reference":"bank-1"}`)
		if e.count("ledger_entries") != before {
			t.Fatalf("a refused interest wrote an entry")
		}
		e.want(201, e.fin, "POST", "/fund/"+year+"/interest", `{"amount":"12.34","on":"`+today()+`","reference":"bank-1"}`)
		rep := e.want(200, e.fin, "GET", "/fund/"+year, "")
		if rep["interest"] != "12.34" || rep["spent"] != "44.80" {
			t.Fatalf("fund report interest: %v", rep)
		}
		if tb := e.want(200, e.fin, "GET", "/ledger/trial-balance", ""); tb["balanced"] != true {
			t.Fatalf("trial balance after interest: %v", tb)
		}
	})
}
