package testbed

import (
	"errors"
	"fmt"
)

// PosError is an error at a position of a lab file: the file, the path of
// the offending entry (security-groups.web.SecurityGroupIngress[2]) and
// its line. Err is a *ruleset.Error when EC2 validation refused the entry,
// so errors.As finds the EC2 code. Error() reads
//
//	shop.yaml: security-groups.web.SecurityGroupIngress[2]: InvalidParameterValue: … (line 14)
type PosError struct {
	File string
	Path string
	Line int
	Err  error
}

func (e *PosError) Error() string {
	s := e.File + ": "
	if e.Path != "" {
		s += e.Path + ": "
	}
	s += e.Err.Error()
	if e.Line > 0 {
		s += fmt.Sprintf(" (line %d)", e.Line)
	}
	return s
}

func (e *PosError) Unwrap() error { return e.Err }

// maxErrors bounds how many problems one Parse reports.
const maxErrors = 20

// errList collects positioned errors while a file is decoded, so one run
// reports every problem instead of the first only.
type errList struct {
	file string
	errs []error
}

func (l *errList) add(path string, line int, format string, args ...any) {
	l.addErr(path, line, fmt.Errorf(format, args...))
}

func (l *errList) addErr(path string, line int, err error) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, &PosError{File: l.file, Path: path, Line: line, Err: err})
	}
}

func (l *errList) err() error { return errors.Join(l.errs...) }
