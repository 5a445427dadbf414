package audit_test

import (
	"context"
	"errors"
	"testing"

	"ncms/internal/access"
	"ncms/internal/audit"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
)

func TestRecordCommitsAndRollsBackWithTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := access.WithActor(context.Background(), access.Actor{UserID: 7, Username: "clerk", Role: access.Enrollment, RemoteAddr: "10.0.0.9"})
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			return audit.Record(ctx, tx, "create", "household", 42, nil, map[string]string{"name": "张三"})
		}); err != nil {
			t.Fatal(err)
		}
		fail := errors.New("fail")
		_ = d.InTx(ctx, func(tx *db.Tx) error {
			if err := audit.Record(ctx, tx, "update", "household", 42, nil, nil); err != nil {
				return err
			}
			return fail
		})
		got, err := audit.List(ctx, d, audit.Filter{ObjectType: "household", ObjectID: "42"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("audit rows = %d, want 1 (the rolled-back change must leave none)", len(got))
		}
		e := got[0]
		if e.UserID != 7 || e.Username != "clerk" || e.Role != "enrollment" || e.Action != "create" ||
			e.RemoteAddr != "10.0.0.9" || e.After != `{"name":"张三"}` || e.Before != "" || e.At.IsZero() {
			t.Fatalf("unexpected entry %+v", e)
		}
	})
}
