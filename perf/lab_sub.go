package perf

// Sub returns a lab whose names start with l.Prefix+tag and which l.Close
// also closes, so a section can tear down its namespaces early while the
// run's signal path still covers them.
func (l *Lab) Sub(tag string) *Lab {
	s := NewLab(l.Prefix + tag)
	l.OnClose(s.Close)
	return s
}
