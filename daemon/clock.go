package daemon

import (
	"encoding/json"
	"net/http"
	"time"

	"sgswitch/admin"
	"sgswitch/flowtable"
)

// The daemon's clock is the real one unless Config.Clock gives a virtual
// one (`sgswitch run --clock virtual`): then conntrack timeouts, the token
// buckets and flow-log windows read the system clock plus an offset that
// `sgswitch clock advance` moves forward, so EC2's 350-second,
// 432,000-second or 180-second behaviours are testable in seconds. Time
// keeps flowing between advances: handshakes and refills work as usual.

// ClockPath is the admin endpoint that reports (GET) and advances (POST)
// the clock.
const ClockPath = "/v1/clock"

// ClockStatus is what ClockPath answers.
type ClockStatus struct {
	Kind   string `json:"kind"`   // "real" or "virtual"
	Offset string `json:"offset"` // how far the virtual clock is ahead ("0s" for real)
}

// ClockAdvance is ClockPath's POST body.
type ClockAdvance struct {
	By string `json:"by"` // a Go duration, e.g. "351s"
}

func (d *Daemon) clockStatus() ClockStatus {
	if d.cfg.Clock == nil {
		return ClockStatus{Kind: "real", Offset: "0s"}
	}
	return ClockStatus{Kind: "virtual", Offset: d.cfg.Clock.Offset().String()}
}

// mountClock serves ClockPath on adm.
func (d *Daemon) mountClock(adm *admin.Server) {
	adm.Handle("GET "+ClockPath, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeClock(w, http.StatusOK, d.clockStatus())
	}))
	adm.Handle("POST "+ClockPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req ClockAdvance
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&req); err != nil {
			writeClockError(w, "InvalidParameterValue", "body: "+err.Error())
			return
		}
		by, err := time.ParseDuration(req.By)
		if err != nil || by < 0 {
			writeClockError(w, "InvalidParameterValue", "by: want a duration of at least 0s, such as 351s")
			return
		}
		if d.cfg.Clock == nil {
			writeClockError(w, "IncorrectState", "the daemon runs on the real clock: start it with --clock virtual")
			return
		}
		if _, err := d.cfg.Clock.Advance(by); err != nil {
			writeClockError(w, "InvalidParameterValue", err.Error())
			return
		}
		d.log.Info("clock advanced", "by", by, "offset", d.cfg.Clock.Offset())
		writeClock(w, http.StatusOK, d.clockStatus())
	}))
}

func writeClock(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeClockError answers as every admin error does ({"error", "code"}),
// so the client's *admin.Error carries the code.
func writeClockError(w http.ResponseWriter, code, msg string) {
	writeClock(w, http.StatusBadRequest, map[string]string{"error": msg, "code": code})
}

var _ flowtable.Clock = (*flowtable.VirtualClock)(nil)
