package main

import (
	"strings"
	"testing"
)

// The prefix-list commands with the AWS CLI's flags and shorthand, their
// JSON and table output, and EC2's errors.
func TestEC2PrefixListCommands(t *testing.T) {
	url := ec2Lab(t)
	var created struct{ PrefixList struct{ PrefixListId string } }
	okJSON(t, url, &created, "create-managed-prefix-list", "--prefix-list-name", "office", "--address-family", "IPv4",
		"--max-entries", "4", "--entries", "Cidr=192.0.2.0/24,Description=hq", "--entries", `[{"Cidr":"198.51.100.0/24"}]`)
	id := created.PrefixList.PrefixListId
	if !strings.HasPrefix(id, "pl-") {
		t.Fatalf("created %+v", created)
	}
	var mod struct{ PrefixList struct{ Version int64 } }
	okJSON(t, url, &mod, "modify-managed-prefix-list", "--prefix-list-id", id, "--current-version", "1",
		"--add-entries", "Cidr=203.0.113.0/24", "--remove-entries", "Cidr=198.51.100.0/24")
	if mod.PrefixList.Version != 2 {
		t.Fatalf("modified %+v", mod)
	}
	wantEC2Error(t, url, "PrefixListVersionMismatch", "ModifyManagedPrefixList", "modify-managed-prefix-list",
		"--prefix-list-id", id, "--current-version", "1", "--prefix-list-name", "x", "--max-entries", "5")
	var old struct{ Entries []struct{ Cidr string } }
	okJSON(t, url, &old, "get-managed-prefix-list-entries", "--prefix-list-id", id, "--target-version", "1")
	if len(old.Entries) != 2 {
		t.Fatalf("version 1: %+v", old)
	}
	out, code, msg := runEC2(t, url, "describe-managed-prefix-lists", "--prefix-list-ids", id, "--output", "table",
		"--query", "PrefixLists[].[PrefixListName,Version]")
	if code != 0 || !strings.Contains(out, "office") || !strings.Contains(out, "2") {
		t.Fatalf("table: exit %d %q\n%s", code, msg, out)
	}
	okJSON(t, url, nil, "delete-managed-prefix-list", "--prefix-list-id", id)
	wantEC2Error(t, url, "InvalidPrefixListID.NotFound", "DeleteManagedPrefixList", "delete-managed-prefix-list", "--prefix-list-id", id)
	if _, code, _ := runEC2(t, url, "create-managed-prefix-list", "--prefix-list-name", "x", "--address-family", "IPv4",
		"--max-entries", "1", "--entries", "Cidr=10.0.0.0/8,Colour=red"); code == 0 {
		t.Fatal("a bad entry shorthand was accepted")
	}
}
