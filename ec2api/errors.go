package ec2api

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"

	"sgswitch/internal/bounded"
	"sgswitch/ruleset"
)

// Error codes this package produces itself (the ruleset produces the
// rest: InvalidGroup.NotFound, InvalidPermission.Duplicate, …).
const (
	codeDryRunOperation             = "DryRunOperation"
	codeInternalError               = "InternalError"
	codeInvalidAction               = "InvalidAction"
	codeInvalidParameterCombination = "InvalidParameterCombination"
	codeInvalidParameterValue       = "InvalidParameterValue"
	codeInvalidPaginationToken      = "InvalidPaginationToken"
	codeMissingAction               = "MissingAction"
	codeMissingParameter            = "MissingParameter"
	codeNoSuchVersion               = "NoSuchVersion"
	// codeRequestEntityTooLarge is sgswitch's own (EC2 documents no code
	// for an oversize request): a body over bounded.MaxBytes, HTTP 413.
	codeRequestEntityTooLarge = "RequestEntityTooLarge"
	// codeResourceLimitExceeded is EC2's "you have exceeded an Amazon EC2
	// resource limit"; sgswitch answers it when a change would make the
	// stored state larger than bounded.MaxBytes.
	codeResourceLimitExceeded = "ResourceLimitExceeded"
	codeUnknownParameter      = "UnknownParameter"
	codeUnsupportedOperation  = "UnsupportedOperation"
	// Codes of resources the ruleset does not own.
	codeInvalidSubnetIDNotFound      = "InvalidSubnetID.NotFound"
	codeInvalidNetworkInterfaceInUse = ruleset.CodeInvalidNetworkInterfaceInUse
)

// APIError is an EC2 error as it travels over the wire: the server
// writes it as the error envelope, the client returns it.
type APIError struct {
	Code      string
	Message   string
	RequestID string
	// StatusCode is the HTTP status (set by the client; the server derives it from Code).
	StatusCode int
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...)}
}

func missing(param string) *APIError {
	return errorf(codeMissingParameter, "The request must contain the parameter %s", param)
}

// errDryRun ends a dry run after every check passed; the handler turns it
// into DryRunOperation and the backend discards the clone.
var errDryRun = errorf(codeDryRunOperation, "Request would have succeeded, but DryRun flag is set.")

// statusFor maps an error code to its HTTP status: EC2 answers client
// errors with 400, DryRunOperation with 412, and its own faults with 5xx.
func statusFor(code string) int {
	switch code {
	case codeDryRunOperation:
		return http.StatusPreconditionFailed
	case codeInternalError:
		return http.StatusInternalServerError
	case codeRequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge
	case "Unavailable", "ServiceUnavailable":
		return http.StatusServiceUnavailable
	case "UnauthorizedOperation", "AuthFailure", "SignatureDoesNotMatch",
		"MissingAuthenticationToken", "RequestExpired":
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// errorEnvelope is EC2's error document. Note RequestID (upper case),
// unlike the requestId of success responses.
type errorEnvelope struct {
	XMLName   xml.Name        `xml:"Response"`
	Errors    []envelopeError `xml:"Errors>Error"`
	RequestID string          `xml:"RequestID"`
}

type envelopeError struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// asAPIError converts any error a handler returns into an APIError:
// protocol errors pass through, model errors (anything with Code and
// Message, such as ruleset.Error) keep their code, and anything else is
// an InternalError.
func asAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var coded interface {
		error
		ErrorCode() string
		ErrorMessage() string
	}
	if errors.As(err, &coded) {
		return &APIError{Code: coded.ErrorCode(), Message: coded.ErrorMessage()}
	}
	if c, m, ok := codeOf(err); ok {
		return &APIError{Code: c, Message: m}
	}
	if errors.Is(err, bounded.ErrTooLarge) {
		return &APIError{Code: codeResourceLimitExceeded, Message: err.Error()}
	}
	return &APIError{Code: codeInternalError, Message: err.Error()}
}
