package institution

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Key is the installation key that encrypts the institutions' HIS secrets
// at rest (AES-256-GCM). The signature scheme of the provincial gateways
// needs the plain secret on the server, so the secrets cannot be hashed;
// encrypting them keeps a copy of the database (a backup, a dump) from
// revealing them without the key, which is kept outside the database.
type Key struct {
	aead cipher.AEAD
	id   string
}

// KeyEnv names the environment variable holding the key (64 hex digits).
const KeyEnv = "NCMS_SECRET_KEY"

// KeyFileEnv names the environment variable holding the key file's path.
const KeyFileEnv = "NCMS_SECRET_KEY_FILE"

// NewKey makes a key from 32 bytes.
func NewKey(b []byte) (Key, error) {
	if len(b) != 32 {
		return Key{}, fmt.Errorf("institution: secret key must be 32 bytes, got %d / 密钥应为32字节", len(b))
	}
	block, err := aes.NewCipher(b)
	if err != nil {
		return Key{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Key{}, err
	}
	sum := sha256.Sum256(append([]byte("ncms-secret-key-id:"), b...))
	return Key{aead: aead, id: hex.EncodeToString(sum[:4])}, nil
}

// ParseKey reads a key written as 64 hex digits.
func ParseKey(s string) (Key, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != 32 {
		return Key{}, errors.New("institution: secret key must be 64 hex digits / 密钥应为64位十六进制数")
	}
	return NewKey(b)
}

// IsZero reports whether no key was given.
func (k Key) IsZero() bool { return k.aead == nil }

// ID identifies the key without revealing it (stored beside each secret).
func (k Key) ID() string { return k.id }

// DefaultKeyFile returns where the key file lives for a database: next to
// the SQLite file ("secret.key" in its directory), or ./ncms-data/secret.key
// for PostgreSQL.
func DefaultKeyFile(dsn string) string {
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(p), "secret.key")
	}
	return filepath.Join("ncms-data", "secret.key")
}

// LoadKey finds the installation key: $NCMS_SECRET_KEY (64 hex digits), or
// the file named by $NCMS_SECRET_KEY_FILE, or DefaultKeyFile(dsn). A missing
// key file is created with a fresh random key (mode 0600) — the first
// command run against a new database generates it.
func LoadKey(dsn string) (Key, error) {
	if v := os.Getenv(KeyEnv); v != "" {
		return ParseKey(v)
	}
	path := os.Getenv(KeyFileEnv)
	if path == "" {
		path = DefaultKeyFile(dsn)
	}
	return loadKeyFile(path)
}

func loadKeyFile(path string) (Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return Key{}, err
		}
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return Key{}, fmt.Errorf("institution: read key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return Key{}, fmt.Errorf("%w (%s)", err, path)
	}
	return k, nil
}

// createKeyFile writes a new random key; O_EXCL makes two starters agree
// on one key (the loser reads the winner's file).
func createKeyFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("institution: create key file: %w", err)
	}
	_, err = f.WriteString(hex.EncodeToString(raw) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

var errNoKey = errors.New("institution: no secret key configured (set NCMS_SECRET_KEY or NCMS_SECRET_KEY_FILE) / 未配置机构密钥加密密钥")

// seal encrypts plain, binding it to aad (the institution's code).
func (k Key) seal(plain, aad string) (string, error) {
	if k.IsZero() {
		return "", errNoKey
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := k.aead.Seal(nonce, nonce, []byte(plain), []byte(aad))
	return "v1." + base64.RawStdEncoding.EncodeToString(ct), nil
}

// open decrypts what seal wrote.
func (k Key) open(sealed, keyID, aad string) (string, error) {
	if k.IsZero() {
		return "", errNoKey
	}
	if keyID != k.id {
		return "", fmt.Errorf("institution: secret was encrypted with key %s, the configured key is %s / 机构密钥加密密钥不符", keyID, k.id)
	}
	body, ok := strings.CutPrefix(sealed, "v1.")
	raw, err := base64.RawStdEncoding.DecodeString(body)
	ns := k.aead.NonceSize()
	if !ok || err != nil || len(raw) < ns {
		return "", errors.New("institution: malformed stored secret")
	}
	plain, err := k.aead.Open(nil, raw[:ns], raw[ns:], []byte(aad))
	if err != nil {
		return "", errors.New("institution: stored secret does not decrypt with the configured key")
	}
	return string(plain), nil
}

// randomHex returns n random bytes as lowercase hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("institution: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// LoadKeyFor finds the installation key of an open database (LoadKey with
// its DSN), for adapters that hold only the *db.DB.
func LoadKeyFor(d interface{ Redacted() string }) (Key, error) {
	return LoadKey(d.Redacted())
}
