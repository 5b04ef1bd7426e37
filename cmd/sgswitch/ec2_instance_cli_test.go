package main

import (
	"testing"

	"sgswitch/ruleset"
)

// The instance subcommands print what the AWS CLI prints: reservations of
// instances, the status checks, the images (none without a catalog).
func TestEC2CLIInstances(t *testing.T) {
	url := ec2Lab(t)
	web1 := ruleset.InstanceID("lab/web1")
	var d struct {
		Reservations []struct {
			Instances []struct {
				InstanceId, PrivateIpAddress string
				State                        struct{ Name string }
			}
		}
	}
	okJSON(t, url, &d, "describe-instances", "--filters", "Name=private-ip-address,Values=198.18.0.10")
	if len(d.Reservations) != 1 || len(d.Reservations[0].Instances) != 1 {
		t.Fatalf("reservations: %+v", d)
	}
	if i := d.Reservations[0].Instances[0]; i.InstanceId != web1 || i.State.Name != "running" || i.PrivateIpAddress != "198.18.0.10" {
		t.Fatalf("instance: %+v", i)
	}
	d.Reservations = nil
	okJSON(t, url, &d, "describe-instances", "--filters", "Name=instance-state-name,Values=stopped")
	if len(d.Reservations) != 0 {
		t.Fatalf("no stopped instance, got %+v", d)
	}
	var s struct{ InstanceStatuses []struct{ InstanceId string } }
	okJSON(t, url, &s, "describe-instance-status", "--instance-ids", web1)
	if len(s.InstanceStatuses) != 1 || s.InstanceStatuses[0].InstanceId != web1 {
		t.Fatalf("status: %+v", s)
	}
	var im struct{ Images []struct{ ImageId string } }
	okJSON(t, url, &im, "describe-images", "--owners", "self")
	if im.Images == nil || len(im.Images) != 0 {
		t.Fatalf("images without a catalog: %+v", im)
	}
	wantEC2Error(t, url, "InvalidInstanceID.NotFound", "DescribeInstances", "describe-instances", "--instance-ids", "i-0000000000000000f")
	// The in-memory backend keeps no metadata options; the daemon does.
	wantEC2Error(t, url, "UnsupportedOperation", "ModifyInstanceMetadataOptions", "modify-instance-metadata-options", "--instance-id", web1, "--http-tokens", "required")
	wantEC2Error(t, url, "InvalidParameterValue", "ModifyInstanceMetadataOptions", "modify-instance-metadata-options", "--instance-id", web1, "--http-put-response-hop-limit", "0")
	wantEC2Error(t, url, "OperationNotPermitted", "TerminateInstances", "terminate-instances", "--instance-ids", web1)
	wantEC2Error(t, url, "InvalidInstanceID.Malformed", "StopInstances", "stop-instances", "--instance-ids", "web1")
	wantEC2Error(t, url, "InvalidAMIID.Malformed", "DescribeImages", "describe-images", "--image-ids", "netns")
}
