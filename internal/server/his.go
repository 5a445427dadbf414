package server

import (
	"log/slog"
	"net/http"

	"ncms/internal/db"
	"ncms/internal/his"
	"ncms/internal/httpx"
	"ncms/internal/institution"
	"ncms/internal/settle"
	"ncms/internal/supervise"
)

// HIS is the national-format hospital interface exactly as `ncms serve`
// mounts it at his.Prefix: settlements with coverage from enrollment and
// the supervision screening hook (blacklist, per-settlement rules) in the
// settlement transaction, wrapped in the common middleware. `ncms bench`
// and the crash test serve the same handler, so what they measure is what
// a hospital gets.
func HIS(d *db.DB, log *slog.Logger, key institution.Key) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	svc := settle.New(d, settle.Options{Coverage: settle.EnrollCoverage, Screen: supervise.New(d, supervise.Options{})})
	return httpx.Wrap(his.New(his.Config{DB: d, Log: log, Key: key, Settle: svc}), log)
}
