// Package his is the institution interface in the national format
// (国家医疗保障信息平台 定点医药机构接口, docs/his.md): hospitals' HIS
// clients POST one JSON envelope per transaction (infno) to
// /fsi/api/rsfComIfsService/callService[/{infno}], signed with the
// institution's credentials. The package is an adapter: it authenticates,
// decodes the national fields strictly (field-level errors), calls the
// settlement service (internal/settle) and writes the national answer. It
// holds no compensation or settlement rule.
package his

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"ncms/internal/access"
	"ncms/internal/apperr"
	"ncms/internal/db"
	"ncms/internal/enroll"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/registry"
	"ncms/internal/settle"
)

// Prefix is where the interface is mounted.
const Prefix = "/fsi/api/rsfComIfsService"

// MaxBody is the largest request accepted (a 1,000-line upload is ~600 KB).
const MaxBody = 4 << 20

// Config configures the interface.
type Config struct {
	DB           *db.DB
	Log          *slog.Logger
	Institutions *institution.Service // credentials; default institution.New(DB) with Key
	Key          institution.Key      // used when Institutions is nil
	Settle       *settle.Service      // default settle.New(DB) with enrollment coverage
	Now          func() time.Time     // default time.Now
	// AreaCode is the 6-digit area code in inf_refmsgid and clr_optins
	// (default: the county code of the installation).
	AreaCode string
}

// Service serves the interface. It is safe for concurrent use.
type Service struct {
	db       *db.DB
	log      *slog.Logger
	inst     *institution.Service
	settle   *settle.Service
	reg      *registry.Service
	enroll   *enroll.Service
	now      func() time.Time
	area     string
	ids      refIDs
	router   *httpx.Router
	handlers map[string]handler
}

// New returns the interface over cfg.DB.
func New(cfg Config) *Service {
	s := &Service{db: cfg.DB, log: cfg.Log, inst: cfg.Institutions, settle: cfg.Settle, now: cfg.Now, area: cfg.AreaCode}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.inst == nil {
		s.inst = institution.New(cfg.DB, institution.Options{Key: cfg.Key, Now: s.now})
	}
	if s.settle == nil {
		s.settle = settle.New(cfg.DB, settle.Options{Coverage: settle.EnrollCoverage, Now: s.now})
	}
	s.reg = registry.New(cfg.DB, registry.Options{Now: s.now})
	s.enroll = enroll.New(cfg.DB, enroll.Options{Now: s.now})
	if s.area == "" {
		s.area = countyCode(cfg.DB)
	}
	s.ids.area = s.area
	s.handlers = s.transactions()
	s.router = httpx.NewRouter(httpx.Config{Mode: httpx.API, Prefix: Prefix, Log: s.log, OnError: s.routerError})
	s.router.Add(s.Routes()...)
	return s
}

// countyCode reads the installation's county code ("000000" when unset).
func countyCode(d *db.DB) string {
	var code string
	err := d.QueryRowContext(context.Background(), `SELECT value FROM meta WHERE key = 'county_code'`).Scan(&code)
	if err != nil || len(code) != 6 {
		return "000000"
	}
	return code
}

// Routes are the interface's two routes. They are Public in the httpx
// sense (no console session or API token): every request is authenticated
// by the institution's signed headers (x-tif-*) in the handler, before
// anything else, and answered 401 when that fails. httpx has no hook for
// a custom authenticator; if one is added, declare Roles
// {access.Institution} and ScopeInstitution here instead.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "POST", Pattern: "/callService", Public: true, Scope: httpx.ScopePublic, MaxBody: MaxBody, Handler: s.serve},
		{Method: "POST", Pattern: "/callService/{infno}", Public: true, Scope: httpx.ScopePublic, MaxBody: MaxBody, Handler: s.serve},
	}
}

// ServeHTTP serves the interface (mount it at Prefix + "/").
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// routerError answers what the router refuses before a handler (unknown
// path or method) in the envelope.
func (s *Service) routerError(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	s.write(w, status, s.now(), s.answer(s.now(), nil, e))
}

// serve handles one call: authenticate, read the envelope, run the
// transaction, answer. It always answers itself (returns nil). The nonce
// is recorded before any answer leaves: first (in its own write) for
// most transactions; for those of inTxNonce in the request's write
// transaction, or on its own after the call when that wrote nothing. A
// replayed nonce gets 401 whatever the call did, and the call wrote
// nothing then.
func (s *Service) serve(w http.ResponseWriter, r *http.Request) error {
	start := s.now()
	w.Header().Set("Cache-Control", "no-store")
	in, claim, err := s.authenticate(r, start)
	if err != nil {
		s.write(w, http.StatusUnauthorized, start, s.answer(start, nil, err))
		return nil
	}
	req, err := readEnvelope(r, in)
	if err == nil && !inTxNonce[req.Infno] {
		err = claim.Record(r.Context(), s.db)
	}
	if err != nil {
		s.fail(w, r, start, in, req, firstErr(s.recordNonce(r, claim), err))
		return nil
	}
	ctx := access.WithActor(r.Context(), access.Actor{Username: "his:" + in.Code, Role: access.Institution,
		Scope: access.Scope{InstitutionID: in.ID}, RemoteAddr: httpx.RemoteAddr(r)})
	ctx = settle.WithInstitution(ctx, in) // just read and checked by authenticate: settle need not read it again
	ctx = settle.WithNonce(ctx, claim)
	out, err := s.dispatch(ctx, &call{req: req, inst: in, at: start})
	if nerr := s.recordNonce(r, claim); nerr != nil {
		out, err = nil, nerr
	}
	if err != nil {
		s.fail(w, r, start, in, req, err)
		return nil
	}
	s.write(w, http.StatusOK, start, s.answer(start, out, nil))
	return nil
}

// recordNonce records the request's nonce on its own if the call has not
// recorded it in its transaction.
func (s *Service) recordNonce(r *http.Request, claim *institution.Claim) error {
	return claim.Record(context.WithoutCancel(r.Context()), s.db)
}

// fail answers err: 401 for authentication (a replayed nonce), 413 for a
// body too large, 200 with infcode -1 for the caller's errors, 500 with
// the request id for a fault that is not the caller's (logged).
func (s *Service) fail(w http.ResponseWriter, r *http.Request, start time.Time, in institution.Institution, req *Request, err error) {
	if apperr.KindOf(err) == 0 {
		infno := ""
		if req != nil {
			infno = req.Infno
		}
		s.log.Error("his internal error", "req", httpx.RequestID(r), "infno", infno, "institution", in.Code, "err", err)
		err = apperr.New(0, "internal", "服务器内部错误,请稍后重试(请求号 "+httpx.RequestID(r)+")",
			"internal error, please retry later (request "+httpx.RequestID(r)+")")
		s.write(w, http.StatusInternalServerError, start, s.answer(start, nil, err))
		return
	}
	s.write(w, statusOf(err), start, s.answer(start, nil, err))
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// statusOf: 200 for everything but authentication (401) and a body over
// the limit (413).
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), apperr.KindOf(err) == apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.KindOf(err) == apperr.Unauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusOK
}

// answer builds the response envelope for out or err.
func (s *Service) answer(start time.Time, out any, err error) *Response {
	resp := &Response{InfRefMsgID: s.ids.next(start), RefMsgTime: msgTime(start), Output: out}
	if err != nil {
		resp.InfCode, resp.ErrMsg, resp.Output = -1, failText(err), nil
	}
	if resp.Output == nil {
		resp.Output = struct{}{}
	}
	return resp
}

func (s *Service) write(w http.ResponseWriter, status int, start time.Time, resp *Response) {
	resp.RespondTime = msgTime(s.now())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(resp)
}
