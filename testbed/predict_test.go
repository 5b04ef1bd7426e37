package testbed

import (
	"os"
	"path/filepath"
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
