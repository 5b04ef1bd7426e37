package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"sgswitch/internal/bounded"
)

// Sentinel errors a Backend returns (wrapped) to choose the HTTP status.
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid request")
)

// codeTooLarge is the code of an input over the limit (HTTP 413).
const codeTooLarge = "RequestEntityTooLarge"

// Error is an error reported by the daemon, as the client sees it.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code,omitempty"`
	Message string `json:"error"`
}

func (e *Error) Error() string {
	switch {
	case e.Code == "", e.Code == "NotFound", e.Code == "InvalidRequest", e.Code == codeTooLarge,
		strings.HasPrefix(e.Message, e.Code+":"):
		return e.Message
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is lets errors.Is(err, ErrNotFound), ErrInvalid and
// bounded.ErrTooLarge work on the client side.
func (e *Error) Is(target error) bool {
	switch target {
	case bounded.ErrTooLarge:
		return e.Status == http.StatusRequestEntityTooLarge
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrInvalid:
		return e.Status == http.StatusBadRequest
	}
	return false
}

// coder is implemented by errors that carry an EC2-style code (ruleset's
// Error has a Code field; the daemon wraps it with CodeError).
type coder interface{ ErrorCode() string }

// CodeError attaches an EC2-style code to an invalid-request error.
type CodeError struct {
	Code string
	Err  error
}

func (e *CodeError) Error() string     { return e.Err.Error() }
func (e *CodeError) Unwrap() error     { return e.Err }
func (e *CodeError) ErrorCode() string { return e.Code }

// toError maps a backend error to the wire error.
func toError(err error) *Error {
	out := &Error{Status: http.StatusInternalServerError, Message: err.Error()}
	var c coder
	switch {
	case errors.Is(err, bounded.ErrTooLarge):
		out.Status, out.Code = http.StatusRequestEntityTooLarge, codeTooLarge
	case errors.Is(err, ErrNotFound):
		out.Status, out.Code = http.StatusNotFound, "NotFound"
	case errors.As(err, &c):
		out.Status, out.Code = http.StatusBadRequest, c.ErrorCode()
	case errors.Is(err, ErrInvalid):
		out.Status, out.Code = http.StatusBadRequest, "InvalidRequest"
	}
	return out
}
