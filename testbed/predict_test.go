package testbed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPredictExamples walks every check of every example lab through
// trace on the lab's scratch model: the prediction must be the check's
// expectation (the examples' expectations are what lab check observes in
// CI, so a difference is a bug in trace or in the model).
func TestPredictExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lab, err := Parse(f, data)
			if err != nil {
				t.Fatal(err)
			}
			acct, ap, err := Scratch(lab)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range Predict(acct, lab, ap.Interfaces) {
				c := lab.Checks[i]
				if p.Verdict != c.Expect {
					t.Errorf("line %d %s -> %s%s %s/%d ipv%d: predicted %q (%s%s), expected %s", c.Line, c.From, c.To, c.ToIP, c.Proto, c.Port, c.Family, p.Verdict, p.Layer, p.Error, c.Expect)
				}
			}
		})
	}
}

// TestSetPredictions: a mismatch is an allow or timeout observation the
// prediction contradicts; other observations are not compared, and Pass
// is left alone; the table marks and counts mismatches.
func TestSetPredictions(t *testing.T) {
	rs := []Result{
		{Check: Check{From: "a", To: "b", Proto: "tcp", Port: 1, Family: 4, Expect: "allow"}, Observed: ObservedAllow, Pass: true},
		{Check: Check{From: "a", To: "b", Proto: "tcp", Port: 2, Family: 4, Expect: "deny"}, Observed: ObservedTimeout, Pass: true},
		{Check: Check{From: "a", To: "b", Proto: "tcp", Port: 3, Family: 4, Expect: "deny"}, Observed: ObservedTimeout, Pass: true},
		{Check: Check{From: "a", To: "b", Proto: "tcp", Port: 4, Family: 4, Expect: "allow"}, Observed: ObservedRefused},
		{Check: Check{From: "a", To: "b", Proto: "tcp", Port: 5, Family: 4, Expect: "allow"}, Observed: ObservedTimeout},
	}
	SetPredictions(rs, []Prediction{
		{Verdict: "allow"},
		{Verdict: "deny", Layer: LayerNetworkACL},
		{Verdict: "allow"},
		{Verdict: "deny", Layer: LayerSecurityGroup},
		{Error: "no such interface"},
	})
	want := []bool{false, false, true, false, false}
	for i, w := range want {
		if rs[i].Mismatch != w {
			t.Errorf("row %d: mismatch %v, want %v", i, rs[i].Mismatch, w)
		}
	}
	if !rs[2].Pass || rs[4].Pass || Mismatches(rs) != 1 {
		t.Errorf("pass or count changed: %+v", rs)
	}
	var b strings.Builder
	if err := WriteTable(&b, rs); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"deny (network ACL)", "allow MISMATCH", "1 checks observed otherwise"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, b.String())
		}
	}
}
