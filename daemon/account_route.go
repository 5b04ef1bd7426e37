package daemon

import (
	"encoding/json"
	"net/http"

	"sgswitch/account"
	"sgswitch/admin"
)

// mountAccount serves admin.AccountPath: the live account's Spec, which
// `sgswitch trace` rebuilds and traces without touching the daemon's copy.
func mountAccount(adm *admin.Server, d *Daemon) {
	adm.Handle("GET "+admin.AccountPath, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		var sp account.Spec
		_ = d.ReadAccount(func(a *account.Account) error { sp = a.Spec(); return nil })
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(sp)
	}))
}
