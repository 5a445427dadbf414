package auth

import (
	"crypto/rand"
	"math/big"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"ncms/internal/apperr"
)

// MinPasswordLen is the shortest password the policy accepts.
const MinPasswordLen = 8

// maxPasswordBytes is bcrypt's limit: longer inputs would be silently cut.
const maxPasswordBytes = 72

// common lists passwords refused whatever their length.
var common = map[string]bool{
	"12345678": true, "123456789": true, "1234567890": true, "87654321": true,
	"password": true, "password1": true, "passw0rd": true, "qwertyui": true,
	"11111111": true, "88888888": true, "66666666": true, "00000000": true,
	"abcdefgh": true, "abc12345": true, "a1234567": true, "admin123": true,
	"iloveyou": true, "12341234": true, "11223344": true, "qwerty123": true,
}

// CheckPassword applies the password policy: at least MinPasswordLen
// characters, at most 72 bytes, not the username, not one repeated
// character, not a well-known password. field names the form field.
func CheckPassword(field, username, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return apperr.Field(field, "password_short", "密码至少8位", "the password needs at least 8 characters")
	case len(pw) > maxPasswordBytes:
		return apperr.Field(field, "password_long", "密码过长（最多72字节）", "the password is too long (at most 72 bytes)")
	case username != "" && strings.EqualFold(pw, username):
		return apperr.Field(field, "password_username", "密码不能与用户名相同", "the password must differ from the username")
	case strings.Count(pw, pw[:1]) == len(pw) || common[strings.ToLower(pw)]:
		return apperr.Field(field, "password_weak", "密码过于简单", "the password is too easy to guess")
	}
	return nil
}

// hashPassword returns the bcrypt hash of pw.
func (s *Service) hashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.opt.BcryptCost)
	return string(h), err
}

// dummyHash is compared against when a username is unknown, so that a
// login takes as long whether the user exists or not.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("ncms-no-such-user"), bcrypt.DefaultCost)

// passwordAlphabet leaves out look-alikes (0/O, 1/l/I).
const (
	lowers = "abcdefghijkmnpqrstuvwxyz"
	uppers = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	digits = "23456789"
)

// GeneratePassword returns a random 16-character password with lower- and
// upper-case letters and digits (about 93 bits), for first administrators
// and resets.
func GeneratePassword() string {
	all := lowers + uppers + digits
	for {
		b := make([]byte, 16)
		for i := range b {
			b[i] = all[randInt(len(all))]
		}
		pw := string(b)
		if strings.ContainsAny(pw, lowers) && strings.ContainsAny(pw, uppers) && strings.ContainsAny(pw, digits) {
			return pw
		}
	}
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return int(v.Int64())
}
