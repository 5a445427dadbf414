package institution

import (
	"strconv"
	"strings"
	"testing"
)

// TestSecretCacheBounded: the cache of decrypted secrets never holds more
// than maxCachedSecrets entries (it starts over when full), and a text that
// does not decrypt is not cached.
func TestSecretCacheBounded(t *testing.T) {
	var c secretCache
	for i := 0; i < maxCachedSecrets; i++ {
		c.put(secretKey{sealed: strconv.Itoa(i)}, "s")
	}
	if _, ok := c.get(secretKey{sealed: "0"}); !ok || len(c.m) != maxCachedSecrets {
		t.Fatalf("full cache: %d entries, first kept %v", len(c.m), ok)
	}
	c.put(secretKey{sealed: "one more"}, "s")
	if _, ok := c.get(secretKey{sealed: "0"}); ok || len(c.m) != 1 {
		t.Fatalf("after overflow: %d entries, first kept %v; want 1, false", len(c.m), ok)
	}

	k, err := ParseKey(strings.Repeat("ab", 32))
	if err != nil {
		t.Fatal(err)
	}
	s := New(nil, Options{Key: k})
	sealed, err := k.seal("secret", "H1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.open(sealed, k.ID(), "H2"); err == nil {
		t.Fatal("opened under the wrong code")
	}
	if len(s.secrets.m) != 0 {
		t.Fatalf("a failed open was cached: %v", s.secrets.m)
	}
	for i := 0; i < 2; i++ {
		if got, err := s.open(sealed, k.ID(), "H1"); err != nil || got != "secret" {
			t.Fatalf("open %d = %q, %v", i, got, err)
		}
	}
	if len(s.secrets.m) != 1 {
		t.Fatalf("cache after two opens: %d entries, want 1", len(s.secrets.m))
	}
}
