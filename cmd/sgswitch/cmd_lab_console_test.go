package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sgswitch/instance"
	"sgswitch/testbed"
)

func TestCopyUntilEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ls\r", "ls\r"},         // to the end of input
		{"ls\x1dreboot\r", "ls"}, // Ctrl-] leaves; nothing after it is sent
		{"\x1d", ""},
	} {
		var out bytes.Buffer
		if err := copyUntilEscape(&out, strings.NewReader(tc.in)); err != nil || out.String() != tc.want {
			t.Errorf("copyUntilEscape(%q) = %q, %v; want %q", tc.in, out.String(), err, tc.want)
		}
	}
}

func TestConsoleDir(t *testing.T) {
	state := t.TempDir()
	mk := func(lab, node string) string {
		dir := testbed.VMDir(state, lab, node)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(instance.ConsoleLog(dir), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	a := mk("laba", "vm1")
	if dir, err := consoleDir(state, "", "vm1"); err != nil || dir != a {
		t.Errorf("one lab: %q %v, want %q", dir, err, a)
	}
	b := mk("labb", "vm1")
	if _, err := consoleDir(state, "", "vm1"); err == nil || !strings.Contains(err.Error(), "laba, labb") {
		t.Errorf("two labs: %v, want them named", err)
	}
	if dir, err := consoleDir(state, "labb", "vm1"); err != nil || dir != b {
		t.Errorf("--lab labb: %q %v", dir, err)
	}
	if _, err := consoleDir(state, "labc", "vm1"); err == nil {
		t.Error("a lab without that VM was accepted")
	}
	if _, err := consoleDir(state, "", "vm9"); err == nil || !strings.Contains(err.Error(), filepath.Join(state, "vm")) {
		t.Errorf("no such VM: %v", err)
	}
}
