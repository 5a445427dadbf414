// Package apperr is the typed error of ncms for anything a user or an
// institution can cause: bad input, an unknown record, a conflict, a missing
// permission. Each error carries a kind (which adapters map to an HTTP status
// or an HIS infcode), a stable code, the field at fault, and a message in
// Chinese with English. Anything that is not an *Error is an internal fault:
// adapters log it and answer a generic 500 without details.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error for adapters.
type Kind int

// The kinds of error.
const (
	Invalid         Kind = iota + 1 // bad input: 400 / 422
	NotFound                        // no such record, or not in the caller's scope: 404
	Conflict                        // duplicate, wrong state, already done: 409
	Forbidden                       // role or scope does not allow it: 403
	Unauthenticated                 // not logged in, bad credentials: 401
	TooLarge                        // upload or request over its limit: 413
)

// FieldError is one problem with one field (or one row and column of a file).
type FieldError struct {
	Row   int    `json:"row,omitempty"`   // 1-based row of a file; 0 for forms
	Field string `json:"field"`           // field or column name
	Code  string `json:"code"`            // stable machine code, e.g. "id_checksum"
	Zh    string `json:"message_zh"`      // 中文说明
	En    string `json:"message_en"`      // English explanation
	Value string `json:"value,omitempty"` // the offending value (masked if personal)
}

// Message returns "中文 / English".
func (f FieldError) Message() string { return f.Zh + " / " + f.En }

// Error is a user-caused error.
type Error struct {
	Kind   Kind
	Code   string
	Zh, En string
	Fields []FieldError // for Invalid: every problem found, not just the first
}

// Error returns the message in Chinese and English, with the first fields.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Zh)
	if e.En != "" {
		b.WriteString(" / ")
		b.WriteString(e.En)
	}
	for i, f := range e.Fields {
		if i == 5 {
			fmt.Fprintf(&b, "; … (%d more)", len(e.Fields)-5)
			break
		}
		b.WriteString("; ")
		if f.Row > 0 {
			fmt.Fprintf(&b, "row %d ", f.Row)
		}
		fmt.Fprintf(&b, "%s: %s", f.Field, f.Message())
	}
	return b.String()
}

// New returns an error of the given kind.
func New(kind Kind, code, zh, en string) *Error {
	return &Error{Kind: kind, Code: code, Zh: zh, En: en}
}

// Field returns an Invalid error about one field.
func Field(field, code, zh, en string) *Error {
	return &Error{Kind: Invalid, Code: code, Zh: field + ": " + zh, En: field + ": " + en,
		Fields: []FieldError{{Field: field, Code: code, Zh: zh, En: en}}}
}

// Fields returns an Invalid error listing several problems.
func Fields(fs []FieldError) *Error {
	return &Error{Kind: Invalid, Code: "invalid", Zh: "输入有误", En: "invalid input", Fields: fs}
}

// NotFoundf reports that a record does not exist (or is outside the
// caller's scope, which callers must not be able to tell apart).
func NotFoundf(what string) *Error {
	return &Error{Kind: NotFound, Code: "not_found", Zh: "未找到" + what, En: what + " not found"}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// KindOf returns the kind of err, or 0 for an internal error.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return 0
}

// Collector gathers field errors so a form or a file row reports every
// problem at once.
type Collector struct{ list []FieldError }

// Add records one problem.
func (c *Collector) Add(f FieldError) { c.list = append(c.list, f) }

// AddField records a problem with a field.
func (c *Collector) AddField(field, code, zh, en string) {
	c.Add(FieldError{Field: field, Code: code, Zh: zh, En: en})
}

// Len is the number of problems recorded.
func (c *Collector) Len() int { return len(c.list) }

// List returns the problems recorded.
func (c *Collector) List() []FieldError { return c.list }

// Err returns an Invalid error with every problem, or nil when there are none.
func (c *Collector) Err() error {
	if len(c.list) == 0 {
		return nil
	}
	return Fields(c.list)
}
