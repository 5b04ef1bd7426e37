package testbed

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

const scenarioBase = `name: sc
clock: virtual
subnet: 198.18.0.0/24
security-groups:
  web:
    GroupDescription: web
    SecurityGroupIngress:
      - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.18.0.10/32}
topology:
  nodes:
    client: {ip: 198.18.0.10}
    web: {ip: 198.18.0.20, security-groups: [web]}
scenarios:
`

// Scenarios parse with their positions, and what the parser cannot see
// (nodes, connections opened first, groups, CIDR-only rules, the virtual
// clock) is refused by Validate with the step's path and line.
func TestScenarioParseAndValidate(t *testing.T) {
	ok := `  - name: kept
    steps:
      - {open: ssh, from: client, to: web, port: 22}
      - {revoke: web, ingress: {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.18.0.10/32}}
      - {send: ssh, expect: allow}
      - {advance: 433000s}
      - {tracked: ssh, expect: "no"}
      - {check: {from: client, to: web, proto: tcp, port: 22, expect: deny}}
      - {close: ssh}
`
	lab, err := Parse("sc.yaml", []byte(scenarioBase+ok))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(lab); err != nil {
		t.Fatal(err)
	}
	st := lab.Scenarios[0].Steps
	if len(st) != 7 || st[0].Kind != StepOpen || st[0].Port != 22 || st[1].Rule == nil || st[1].Rule.CidrIp != "198.18.0.10/32" ||
		st[3].Duration != 433000*time.Second || st[5].Check == nil || st[5].Check.Expect != "deny" || st[6].Line != 22 {
		t.Fatalf("steps %+v", st)
	}
	for _, c := range []struct{ name, steps, want string }{
		{"two kinds", "      - {open: a, send: a}\n", "one step does one thing: open and send"},
		{"no kind", "      - {expect: allow}\n", "a step starts with one of"},
		{"bad duration", "      - {advance: soon}\n", `advance: want a positive duration such as 351s, not "soon"`},
		{"send before open", "      - {send: x, expect: allow}\n", `send: no connection "x" was opened before`},
		{"bad expect", "      - {open: x, from: client, to: web, port: 22}\n      - {tracked: x, expect: maybe}\n", "tracked: expect must be yes or no"},
		{"no such group", "      - {revoke: db, ingress: {IpProtocol: tcp, FromPort: 1, ToPort: 1, CidrIp: 198.18.0.0/24}}\n", `revoke: the lab has no group "db"`},
		{"group peer", "      - {revoke: web, ingress: {IpProtocol: tcp, FromPort: 1, ToPort: 1, SourceSecurityGroupId: web}}\n", "names one CidrIp or CidrIpv6 peer"},
		{"open a vm", "      - {open: x, from: client, to: nobody, port: 22}\n", `open: "nobody" is not a namespace node`},
		{"check", "      - {check: {from: client, to: web, proto: tcp, expect: deny}}\n", "proto tcp needs port"},
	} {
		lab, err := Parse("sc.yaml", []byte(scenarioBase+"  - name: x\n    steps:\n"+c.steps))
		if err == nil {
			err = Validate(lab)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	lab, err = Parse("sc.yaml", []byte(strings.Replace(scenarioBase, "clock: virtual\n", "", 1)+"  - name: x\n    steps:\n      - {advance: 1s}\n"))
	if err == nil {
		err = Validate(lab)
	}
	if err == nil || !strings.Contains(err.Error(), "advance needs the virtual clock: add clock: virtual") {
		t.Errorf("advance on the real clock: %v", err)
	}
}

// fakeEnv records what scenarios ask of the daemon.
type fakeEnv struct {
	advanced time.Duration
	changes  []string
	fail     error
}

func (f *fakeEnv) Advance(_ context.Context, d time.Duration) error { f.advanced += d; return f.fail }
func (f *fakeEnv) Tracked(context.Context, string, netip.AddrPort, netip.AddrPort) (bool, error) {
	return false, f.fail
}
func (f *fakeEnv) ChangeRule(_ context.Context, kind, group string, egress bool, r Rule) error {
	f.changes = append(f.changes, kind+" "+group+" "+r.CidrIp)
	return f.fail
}

// The runner takes every step in order, keeps going after a failure, and
// says why a step failed: a daemon error, a connection never opened.
func TestRunScenariosSteps(t *testing.T) {
	lab, err := Parse("sc.yaml", []byte(scenarioBase+`  - name: time
    steps:
      - {advance: 351s}
      - {revoke: web, ingress: {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.18.0.10/32}}
      - {authorize: web, ingress: {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 198.18.0.10/32}}
      - {advance: 49s}
`))
	if err != nil {
		t.Fatal(err)
	}
	// A step on a connection that never opened (Validate refuses it in a
	// file; here the open failed) fails with why, and the rest still run.
	sc := &lab.Scenarios[0]
	sc.Steps = append(sc.Steps[:3], append([]Step{{Kind: StepSend, Conn: "ssh", Expect: "allow"}}, sc.Steps[3:]...)...)
	env := &fakeEnv{}
	rs := RunScenarios(context.Background(), lab, env, CheckOptions{})
	if len(rs) != 5 || env.advanced != 400*time.Second || len(env.changes) != 2 || env.changes[0] != "revoke web 198.18.0.10/32" {
		t.Fatalf("results %+v, env %+v", rs, env)
	}
	if !rs[0].Pass || !rs[2].Pass || rs[3].Pass || !strings.Contains(rs[3].Error, "connection ssh is not open") || rs[4].Step != 5 || !rs[4].Pass {
		t.Fatalf("results %+v", rs)
	}
	if ScenariosFailed(rs) != 1 {
		t.Fatalf("failed %d, want 1", ScenariosFailed(rs))
	}
	env.fail = errors.New("the daemon runs on the real clock")
	rs = RunScenarios(context.Background(), lab, env, CheckOptions{})
	if rs[0].Pass || rs[0].Error != "the daemon runs on the real clock" {
		t.Fatalf("a failing advance: %+v", rs[0])
	}
}
