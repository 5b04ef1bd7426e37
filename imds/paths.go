package imds

import "strings"

// versions are the metadata versions EC2 lists at /, oldest first. Every
// one serves the same (current) tree here: cloud-init probes 2021-03-23
// and falls back to older ones only on a 404, and no client this project
// meets depends on an old version's smaller tree. A version not listed gets
// 404, as on EC2, which is what makes cloud-init's probe work.
var versions = []string{
	"1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
	"2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01",
	"2011-05-01", "2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20",
	"2016-04-19", "2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17",
	"2018-09-24", "2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23",
	"2021-07-15", "2022-09-24", "2024-04-11", "latest",
}

func knownVersion(v string) bool {
	for _, k := range versions {
		if k == v {
			return true
		}
	}
	return false
}

// tokenPath is where IMDSv2 hands out tokens; EC2 serves it under latest
// only.
const tokenPath = "/latest/api/token"

// maxPathLen bounds the paths looked up; the longest real one is about
// 90 bytes.
const maxPathLen = 512

// splitPath splits an absolute request path into its segments. A trailing
// slash is ignored (EC2 answers "meta-data" and "meta-data/" alike); an
// empty, "." or ".." segment elsewhere makes the path invalid, so that no
// two spellings reach one item by accident.
func splitPath(p string) ([]string, bool) {
	if len(p) == 0 || p[0] != '/' || len(p) > maxPathLen {
		return nil, false
	}
	if p == "/" {
		return nil, true
	}
	p = strings.TrimSuffix(p[1:], "/")
	segs := strings.Split(p, "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return nil, false
		}
	}
	return segs, true
}
