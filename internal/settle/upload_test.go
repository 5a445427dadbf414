package settle_test

import (
	"testing"

	"ncms/internal/apperr"
	"ncms/internal/civil"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/settle"
)

// TestUploadBatchAndRetries: lines stored in one statement keep their
// order; a repeated feedetl_sn is refused naming it and nothing is stored;
// a retried 2201 / 2204 (same msgid) returns the first answer and writes
// nothing — the message is not looked up first, so the retry's own
// transaction must roll back completely.
func TestUploadBatchAndRetries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("township")
		p := f.person(1)
		req := settle.VisitRequest{MsgID: "V1", PersonID: p, MedType: "11", Begin: civil.MustParse("2013-04-01"), IptOtpNo: "MZ1"}
		v, err := f.svc.Register(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		before := f.counts()
		again, err := f.svc.Register(ctx, req)
		if err != nil || again.ID != v.ID {
			t.Fatalf("retried 2201: %v, visit %d want %d", err, again.ID, v.ID)
		}
		if after := f.counts(); !equalCounts(before, after) {
			t.Fatalf("retried 2201 wrote: %v → %v", before, after)
		}
		// Without a visit number nothing collides before the message row.
		req2 := settle.VisitRequest{MsgID: "V2", PersonID: p, MedType: "11", Begin: civil.MustParse("2013-04-02")}
		v2, err := f.svc.Register(ctx, req2)
		if err != nil {
			t.Fatal(err)
		}
		before = f.counts()
		if again, err := f.svc.Register(ctx, req2); err != nil || again.ID != v2.ID {
			t.Fatalf("retried 2201 without ipt_otp_no: %v, visit %d want %d", err, again.ID, v2.ID)
		}
		if after := f.counts(); !equalCounts(before, after) {
			t.Fatalf("retried 2201 wrote: %v → %v", before, after)
		}
		up := settle.UploadRequest{MsgID: "U1", VisitID: v.ID, Lines: []settle.LineInput{line("3", "A001", "12.00"),
			line("1", "B001", "30.50"), line("2", "A001", "7.00")}}
		res, err := f.svc.UploadLines(ctx, up)
		if err != nil || len(res.Lines) != 3 {
			t.Fatalf("upload: %v %+v", err, res)
		}
		before = f.counts()
		res2, err := f.svc.UploadLines(ctx, up)
		if err != nil || len(res2.Lines) != 3 || res2.Lines[1].SN != "1" || res2.Lines[1].Total != res.Lines[1].Total {
			t.Fatalf("retried 2204: %v %+v", err, res2)
		}
		if after := f.counts(); !equalCounts(before, after) {
			t.Fatalf("retried 2204 wrote: %v → %v", before, after)
		}
		// A new message repeating line 1 among new ones: refused naming 1, nothing stored.
		_, err = f.svc.UploadLines(ctx, settle.UploadRequest{MsgID: "U2", VisitID: v.ID,
			Lines: []settle.LineInput{line("4", "A001", "1.00"), line("1", "A001", "1.00"), line("5", "A001", "1.00")}})
		if e, ok := apperr.As(err); !ok || e.Code != "duplicate_line" || !contains(e.En, "feedetl_sn 1 ") {
			t.Fatalf("duplicate line: %v", err)
		}
		if after := f.counts(); !equalCounts(before, after) {
			t.Fatalf("refused upload wrote: %v → %v", before, after)
		}
		// Stored in upload order: settlement sees 3, 1, 2.
		st, err := f.svc.Settle(ctx, settle.SettleRequest{MsgID: "S1", VisitID: v.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Result.Lines; len(got) != 3 || got[0].ID != "3" || got[1].ID != "1" || got[2].ID != "2" {
			t.Fatalf("settled lines %+v", got)
		}
		f.checkStored()
	})
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestSettleBlockedAfterRegistration: a block set after the visit was
// registered refuses its settlement (read with the visit and person in one
// query); lifting it lets it settle.
func TestSettleBlockedAfterRegistration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := f.as("township")
		p := f.person(1)
		v, err := f.svc.Register(ctx, settle.VisitRequest{MsgID: "V1", PersonID: p, MedType: "11", Begin: civil.MustParse("2013-04-01")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UploadLines(ctx, settle.UploadRequest{MsgID: "U1", VisitID: v.ID,
			Lines: []settle.LineInput{line("1", "A001", "12.00")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Block(f.ctx, p, "调查"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Settle(ctx, settle.SettleRequest{MsgID: "S1", VisitID: v.ID}); !hasCode(err, "person_blocked") {
			t.Fatalf("blocked person settled: %v", err)
		}
		if err := f.svc.Unblock(f.ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Settle(ctx, settle.SettleRequest{MsgID: "S1", VisitID: v.ID}); err != nil {
			t.Fatalf("after unblock: %v", err)
		}
	})
}

func hasCode(err error, code string) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == code
}
