package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"ncms/internal/apperr"
)

// Internal is the error shown for any fault that is not the user's: no
// details, only the request id to quote to support.
var Internal = apperr.New(0, "internal", "服务器内部错误，请稍后再试", "internal server error, please try again later")

var errTooLarge = apperr.New(apperr.TooLarge, "too_large", "提交的内容过大", "the request is too large")

// Status maps an error to an HTTP status: apperr kinds to 4xx (Invalid 422,
// NotFound 404, Conflict 409, Forbidden 403, Unauthenticated 401 — 429 for
// rate limiting —, TooLarge 413), a body over its limit to 413, anything
// else to 500.
func Status(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	e, ok := apperr.As(err)
	if !ok {
		return http.StatusInternalServerError
	}
	switch e.Kind {
	case apperr.Invalid:
		if e.Code == "malformed" {
			return http.StatusBadRequest
		}
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.Unauthenticated:
		if e.Code == "rate_limited" {
			return http.StatusTooManyRequests
		}
		return http.StatusUnauthorized
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// Fail answers err through the router's OnError: user errors with their
// status and message, internal errors logged (with the request id) and
// answered without details.
func (rt *Router) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	e, ok := apperr.As(err)
	switch {
	case status == http.StatusRequestEntityTooLarge && !ok:
		e = errTooLarge
	case !ok:
		rt.cfg.Log.Error("internal error", "req", RequestID(r), "method", r.Method, "route", routeOf(r), "err", err)
		e = Internal
	}
	rt.cfg.OnError(w, r, status, e)
}

// ErrorBody is the JSON form of an error:
// {"error":{"code","message_zh","message_en","fields":[...],"request_id"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code      string              `json:"code"`
	MessageZh string              `json:"message_zh"`
	MessageEn string              `json:"message_en"`
	Fields    []apperr.FieldError `json:"fields"`
	RequestID string              `json:"request_id,omitempty"`
}

// WriteError writes e as the JSON error body with the given status.
func WriteError(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	fields := e.Fields
	if fields == nil {
		fields = []apperr.FieldError{}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ncms"`)
	}
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: e.Code, MessageZh: e.Zh, MessageEn: e.En,
		Fields: fields, RequestID: RequestID(r)}})
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ReadJSON decodes the request body into v, refusing unknown fields,
// trailing data and bodies over the route's limit.
func ReadJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(apperr.Invalid, "malformed", "请求须为 JSON", "the request body must be JSON")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return apperr.New(apperr.Invalid, "malformed", "无法读取请求内容", "could not read the request body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if fe := valueError(body, v, err); fe != nil {
			return fe
		}
		return apperr.New(apperr.Invalid, "malformed", "JSON 格式错误："+err.Error(), "malformed JSON: "+err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return apperr.New(apperr.Invalid, "malformed", "JSON 之后有多余内容", "unexpected data after the JSON value")
	}
	return nil
}

// PathID returns the path parameter name as a positive integer id; any
// other value is "not found".
func PathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFoundf("记录 / record")
	}
	return id, nil
}

// valueError turns a decoding error that is about one value of a
// well-formed JSON object (a wrong type, an amount with three decimals, a
// bad date: the value's own UnmarshalJSON refused it) into a field error
// naming the top-level field, so the caller sees which field and why
// (422) instead of "malformed JSON" (400). It returns nil when the body is
// not well-formed JSON, is not an object, or the field cannot be found.
func valueError(body []byte, v any, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) || !json.Valid(body) {
		return nil
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok && te.Field != "" {
		return apperr.Field(te.Field, "wrong_type", "类型错误，应为 "+te.Type.String(), "wrong type, want "+te.Type.String())
	}
	rt := reflect.TypeOf(v)
	if rt == nil || rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return nil
	}
	st := rt.Elem()
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		raw, ok := obj[name]
		if !ok {
			continue
		}
		if ferr := json.Unmarshal(raw, reflect.New(f.Type).Interface()); ferr != nil {
			msg := ferr.Error()
			if te, ok := ferr.(*json.UnmarshalTypeError); ok {
				msg = "want " + te.Type.String()
				if te.Field != "" {
					name += "." + te.Field
				}
			}
			return apperr.Field(name, "bad_value", "取值无效："+msg, "invalid value: "+msg)
		}
	}
	return nil
}
