package testbed

import (
	"fmt"

	"sgswitch/exchange"
)

// startResponder starts an echo responder (exchange.Responder) on port
// inside namespace ns, for the duration of a check run or a probe.
func startResponder(ns, proto string, port uint16) (*exchange.Responder, error) {
	r, err := exchange.Listen(inNetns(ns), proto, port)
	if err != nil {
		return nil, fmt.Errorf("responder %s/%d in %s: %w", proto, port, ns, err)
	}
	return r, nil
}
