package institution_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/db/dbtest"
	"ncms/internal/institution"
)

func TestVerify(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in, cred := must3(w.s.Create(w.admin, township(w.areaID)))(t)
		ctx := context.Background()
		ts := strconv.FormatInt(now.Unix(), 10)
		call := func(paasid, ts, nonce, sig string, at time.Time) error {
			_, err := w.s.Verify(ctx, paasid, ts, nonce, sig, at)
			return err
		}
		good := institution.Sign(ts, cred.Secret, "n1")
		got, err := w.s.Verify(ctx, cred.PaasID, ts, "n1", good, now)
		if err != nil || got.ID != in.ID {
			t.Fatalf("good signature: %v %+v", err, got)
		}
		if sum := sha256.Sum256([]byte("1718416800sn1718416800")); institution.Sign("1718416800", "s", "n") != hex.EncodeToString(sum[:]) {
			t.Fatal("Sign is not sha256(timestamp + secret + nonce + timestamp)")
		}
		cases := []struct {
			name                   string
			paasid, ts, nonce, sig string
			at                     time.Time
			code                   string
		}{
			{"reused nonce", cred.PaasID, ts, "n1", good, now, "nonce_reused"},
			{"wrong signature", cred.PaasID, ts, "n2", institution.Sign(ts, "wrong", "n2"), now, "bad_signature"},
			{"unknown paasid", "ncms0000000000000000", ts, "n3", institution.Sign(ts, cred.Secret, "n3"), now, "bad_signature"},
			{"old timestamp", cred.PaasID, strconv.FormatInt(now.Unix()-301, 10), "n4",
				institution.Sign(strconv.FormatInt(now.Unix()-301, 10), cred.Secret, "n4"), now, "timestamp_window"},
			{"future timestamp", cred.PaasID, strconv.FormatInt(now.Unix()+301, 10), "n5",
				institution.Sign(strconv.FormatInt(now.Unix()+301, 10), cred.Secret, "n5"), now, "timestamp_window"},
			{"garbage timestamp", cred.PaasID, "yesterday", "n6", good, now, "timestamp_window"},
			{"missing header", cred.PaasID, ts, "", good, now, "missing_credentials"},
			{"nonce with space", cred.PaasID, ts, "a b", institution.Sign(ts, cred.Secret, "a b"), now, "nonce_format"},
		}
		for _, c := range cases {
			err := call(c.paasid, c.ts, c.nonce, c.sig, c.at)
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Unauthenticated || e.Code != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
			}
		}
		// A wrong signature does not burn the nonce; upper-case hex and
		// a timestamp in milliseconds are accepted.
		if err := call(cred.PaasID, ts, "n2", strings.ToUpper(institution.Sign(ts, cred.Secret, "n2")), now); err != nil {
			t.Fatalf("n2 after a failed attempt: %v", err)
		}
		ms := strconv.FormatInt(now.UnixMilli()+250_000, 10)
		if err := call(cred.PaasID, ms, "n7", institution.Sign(ms, cred.Secret, "n7"), now); err != nil {
			t.Fatalf("millisecond timestamp: %v", err)
		}
		must(w.s.Suspend(w.admin, in.ID, "稽查"))(t)
		err = call(cred.PaasID, ts, "n8", institution.Sign(ts, cred.Secret, "n8"), now)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.Unauthenticated || e.Code != "institution_suspended" {
			t.Fatalf("suspended institution: %v", err)
		}
	})
}

func TestRotateGrace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in, old := must3(w.s.Create(w.admin, township(w.areaID)))(t)
		ctx := context.Background()
		n := 0
		verify := func(secret string, at time.Time) error {
			n++
			ts, nonce := strconv.FormatInt(at.Unix(), 10), "r"+strconv.Itoa(n)
			_, err := w.s.Verify(ctx, old.PaasID, ts, nonce, institution.Sign(ts, secret, nonce), at)
			return err
		}
		fresh := must(w.s.Rotate(w.admin, in.ID, 0))(t)
		if fresh.PaasID != old.PaasID || fresh.Secret == old.Secret || len(fresh.Secret) != 64 {
			t.Fatalf("rotated = %+v", fresh)
		}
		for _, c := range []struct {
			name   string
			secret string
			at     time.Time
			ok     bool
		}{
			{"new secret", fresh.Secret, now, true},
			{"old secret in grace", old.Secret, now.Add(23 * time.Hour), true},
			{"old secret after grace", old.Secret, now.Add(24*time.Hour + time.Second), false},
			{"new secret later", fresh.Secret, now.Add(48 * time.Hour), true},
		} {
			err := verify(c.secret, c.at)
			if (err == nil) != c.ok {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		// A second rotation ends the first secret's grace at once.
		*w.clock = now.Add(time.Hour)
		third := must(w.s.Rotate(w.admin, in.ID, 2*time.Hour))(t)
		if err := verify(old.Secret, now.Add(time.Hour+time.Second)); err == nil {
			t.Error("first secret still valid after a second rotation")
		}
		if err := verify(fresh.Secret, now.Add(2*time.Hour)); err != nil {
			t.Errorf("second secret in its 2 h grace: %v", err)
		}
		if err := verify(fresh.Secret, now.Add(3*time.Hour+time.Second)); err == nil {
			t.Error("second secret valid after its 2 h grace")
		}
		if err := verify(third.Secret, now.Add(4*time.Hour)); err != nil {
			t.Errorf("third secret: %v", err)
		}
	})
}

func TestSecretsEncryptedAtRest(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		_, cred := must3(w.s.Create(w.admin, township(w.areaID)))(t)
		var stored string
		if err := d.QueryRowContext(context.Background(), `SELECT secret_enc FROM institution_secrets`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, cred.Secret) || !strings.HasPrefix(stored, "v1.") {
			t.Fatalf("stored secret %q is not encrypted", stored)
		}
		other, _ := institution.ParseKey(strings.Repeat("cd", 32))
		s2 := institution.New(d, institution.Options{Key: other, Now: func() time.Time { return now }})
		ts := strconv.FormatInt(now.Unix(), 10)
		if _, err := s2.Verify(context.Background(), cred.PaasID, ts, "k", institution.Sign(ts, cred.Secret, "k"), now); err == nil ||
			apperr.KindOf(err) != 0 {
			t.Fatalf("verify under another key = %v, want an internal error", err)
		}
	})
}

func TestLoadKeyFile(t *testing.T) {
	t.Setenv(institution.KeyEnv, "")
	t.Setenv(institution.KeyFileEnv, "")
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "ncms.db")
	k1, err := institution.LoadKey(dsn)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	k2 := must(institution.LoadKey(dsn))(t)
	if k1.ID() != k2.ID() {
		t.Fatal("key changed between loads")
	}
	t.Setenv(institution.KeyEnv, strings.Repeat("ab", 32))
	if k3 := must(institution.LoadKey(dsn))(t); k3.ID() != testKey(t).ID() {
		t.Fatal("NCMS_SECRET_KEY not used")
	}
	t.Setenv(institution.KeyEnv, "short")
	if _, err := institution.LoadKey(dsn); err == nil {
		t.Fatal("bad NCMS_SECRET_KEY accepted")
	}
}

func TestSandboxInstitutions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		got := must(w.s.CreateSandbox(w.admin, "520221", w.areaID))(t)
		var levels []string
		for _, c := range got {
			levels = append(levels, string(c.Institution.Level)+":"+c.Institution.Code)
			if c.Credentials.Secret == "" {
				t.Fatal("no secret")
			}
		}
		if strings.Join(levels, " ") != "township:H52022100001 county:H52022100002 city:H52020000001" {
			t.Fatalf("sandbox = %v", levels)
		}
	})
}

// TestVerifyFollowsStoredSecret: a secret already decrypted for an earlier
// request (and so kept in the service's cache) is used only while the row
// read for the request still holds the same sealed text, key id and
// institution: a row changed under the running service is checked as
// stored, and a secret past its validity is refused at once.
func TestVerifyFollowsStoredSecret(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in, cred := must3(w.s.Create(w.admin, township(w.areaID)))(t)
		other := township(w.areaID)
		other.Code, other.Name = "H52022100002", "另一卫生院"
		in2, _ := must3(w.s.Create(w.admin, other))(t)
		ctx := context.Background()
		n := 0
		verify := func() error {
			n++
			ts, nonce := strconv.FormatInt(now.Unix(), 10), "c"+strconv.Itoa(n)
			_, err := w.s.Verify(ctx, cred.PaasID, ts, nonce, institution.Sign(ts, cred.Secret, nonce), now)
			return err
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := d.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 2; i++ { // the second is served from the cache
			if err := verify(); err != nil {
				t.Fatalf("verify %d: %v", i, err)
			}
		}
		var sealed, keyID, otherSealed string
		if err := d.QueryRowContext(ctx, `SELECT secret_enc, key_id FROM institution_secrets WHERE institution_id = ?`, in.ID).Scan(&sealed, &keyID); err != nil {
			t.Fatal(err)
		}
		if err := d.QueryRowContext(ctx, `SELECT secret_enc FROM institution_secrets WHERE institution_id = ?`, in2.ID).Scan(&otherSealed); err != nil {
			t.Fatal(err)
		}
		// Stored under another key id: the internal error open gives.
		exec(`UPDATE institution_secrets SET key_id = 'elsewhere' WHERE institution_id = ?`, in.ID)
		if err := verify(); err == nil || apperr.KindOf(err) != 0 {
			t.Fatalf("secret under another key id = %v, want an internal error", err)
		}
		// Another institution's sealed text does not decrypt under this
		// institution's code, even though the key is the same.
		exec(`UPDATE institution_secrets SET key_id = ?, secret_enc = ? WHERE institution_id = ?`, keyID, otherSealed, in.ID)
		if err := verify(); err == nil || apperr.KindOf(err) != 0 {
			t.Fatalf("secret sealed for another institution = %v, want an internal error", err)
		}
		exec(`UPDATE institution_secrets SET secret_enc = ? WHERE institution_id = ?`, sealed, in.ID)
		if err := verify(); err != nil {
			t.Fatalf("secret restored: %v", err)
		}
		// Revoked (valid until a moment already past): refused at once.
		exec(`UPDATE institution_secrets SET valid_until = ? WHERE institution_id = ?`, db.Timestamp(now.Add(-time.Second)), in.ID)
		err := verify()
		if e, ok := apperr.As(err); !ok || e.Code != "bad_signature" {
			t.Fatalf("revoked secret = %v, want bad_signature", err)
		}
	})
}
