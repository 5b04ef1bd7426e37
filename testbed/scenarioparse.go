package testbed

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

// scenarios decodes scenarios: (scenario.go), with positions.
func (d *decoder) scenarios(n *yaml.Node, lab *Lab) {
	items, _ := d.sequence(n, "scenarios")
	for i, it := range items {
		path := fmt.Sprintf("scenarios[%d]", i)
		if it = d.resolve(it); it == nil {
			continue
		}
		sc := Scenario{Line: it.Line}
		fields, _ := d.mapping(it, path)
		for _, f := range fields {
			switch f.key {
			case "name":
				sc.Name = d.str(f.val, join(path, "name"))
			case "steps":
				steps, _ := d.sequence(f.val, join(path, "steps"))
				for j, st := range steps {
					if st = d.resolve(st); st != nil {
						sc.Steps = append(sc.Steps, d.step(st, fmt.Sprintf("%s.steps[%d]", path, j)))
					}
				}
			default:
				d.unknown(path, f)
			}
		}
		if sc.Name == "" {
			d.add(path, sc.Line, "missing required key %q", "name")
		}
		lab.Scenarios = append(lab.Scenarios, sc)
	}
}

// stepKinds are the keys that start a step.
var stepKinds = map[string]bool{StepOpen: true, StepSend: true, StepTracked: true, StepClose: true,
	StepAdvance: true, StepRevoke: true, StepAuthorize: true, StepCheck: true}

// step decodes one step: exactly one key names its kind; the others are
// its arguments.
func (d *decoder) step(n *yaml.Node, path string) Step {
	st := Step{Line: n.Line}
	fields, _ := d.mapping(n, path)
	for _, f := range fields {
		fp := join(path, f.key)
		if stepKinds[f.key] {
			if st.Kind != "" {
				d.add(path, f.line, "one step does one thing: %s and %s", st.Kind, f.key)
				continue
			}
			st.Kind = f.key
		}
		switch f.key {
		case StepOpen, StepSend, StepTracked, StepClose:
			st.Conn = d.str(f.val, fp)
		case StepAdvance:
			s := d.str(f.val, fp)
			if v, err := time.ParseDuration(s); err != nil || v <= 0 {
				d.add(path, f.line, "advance: want a positive duration such as 351s, not %q", s)
			} else {
				st.Duration = v
			}
		case StepRevoke, StepAuthorize:
			st.Group = d.str(f.val, fp)
		case "ingress", "egress":
			if st.Rule != nil {
				d.add(path, f.line, "give ingress or egress, not both")
			}
			st.Egress = f.key == "egress"
			n := &yaml.Node{Kind: yaml.SequenceNode, Line: f.val.Line, Content: []*yaml.Node{f.val}}
			if rs := d.rules(n, fp, st.Egress); len(rs) == 1 {
				st.Rule = &rs[0]
			}
		case StepCheck:
			c := d.check(f.val, fp)
			st.Check = &c
		case "from":
			st.From = d.str(f.val, fp)
		case "to":
			st.To = d.str(f.val, fp)
		case "port":
			v, _ := d.integer(f.val, fp, 1, 65535)
			st.Port = uint16(v)
		case "expect":
			st.Expect = d.str(f.val, fp)
		default:
			d.unknown(path, f)
		}
	}
	if st.Kind == "" {
		d.add(path, st.Line, "a step starts with one of open, send, tracked, close, advance, revoke, authorize, check")
	}
	return st
}

// validateScenarios checks what the parser cannot: nodes, connections
// used after they are opened, groups, rules with CIDR peers, and a
// virtual clock for advance.
func validateScenarios(e *errList, lab *Lab) {
	for i := range lab.Scenarios {
		sc := &lab.Scenarios[i]
		open := map[string]bool{}
		for j := range sc.Steps {
			validateStep(e, lab, &sc.Steps[j], fmt.Sprintf("scenarios[%d].steps[%d]", i, j), open)
		}
	}
}

func validateStep(e *errList, lab *Lab, st *Step, path string, open map[string]bool) {
	switch st.Kind {
	case StepOpen:
		for _, n := range []string{st.From, st.To} {
			if nd := lab.Node(n); nd == nil || nd.Kind != KindNetns {
				e.add(path, st.Line, "open: %q is not a namespace node of the lab (kept connections run in namespaces)", n)
			}
		}
		if st.Port == 0 {
			e.add(path, st.Line, "open needs port")
		}
		open[st.Conn] = true
	case StepSend, StepTracked, StepClose:
		if !open[st.Conn] {
			e.add(path, st.Line, "%s: no connection %q was opened before", st.Kind, st.Conn)
		}
		want := map[string][]string{StepSend: {"allow", "deny"}, StepTracked: {"yes", "no"}}[st.Kind]
		if want != nil && st.Expect != want[0] && st.Expect != want[1] {
			e.add(path, st.Line, "%s: expect must be %s or %s, not %q", st.Kind, want[0], want[1], st.Expect)
		}
	case StepAdvance:
		if lab.Clock != ClockVirtual {
			e.add(path, st.Line, "advance needs the virtual clock: add clock: virtual to the lab")
		}
	case StepRevoke, StepAuthorize:
		if st.Group != "default" && !lab.hasGroup(st.Group) {
			e.add(path, st.Line, "%s: the lab has no group %q", st.Kind, st.Group)
		}
		if st.Rule == nil {
			e.add(path, st.Line, "%s needs ingress: or egress: with one rule", st.Kind)
		} else if st.Rule.Group != "" || st.Rule.PrefixList != "" || (st.Rule.CidrIp == "") == (st.Rule.CidrIpv6 == "") {
			e.add(path, st.Line, "%s: a scenario's rule names one CidrIp or CidrIpv6 peer", st.Kind)
		}
	case StepCheck:
		validateCheck(e, lab, st.Check, path+".check")
	}
}

// hasGroup reports whether the lab declares group name.
func (l *Lab) hasGroup(name string) bool {
	for _, g := range l.Groups {
		if g.Name == name {
			return true
		}
	}
	return false
}
