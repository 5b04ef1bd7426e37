// The AWS SDK for JavaScript v3 against sgswitch's EC2 API: create a group,
// authorize, describe, and read the request id. Run by
// scripts/integration.d/74-js-sdk.sh with the endpoint as argv[2] and the
// daemon's credentials in the environment.
import assert from "node:assert/strict";
import {
  EC2Client,
  CreateSecurityGroupCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  DeleteSecurityGroupCommand,
  paginateDescribeSecurityGroups,
} from "@aws-sdk/client-ec2";

const ec2 = new EC2Client({ endpoint: process.argv[2], region: "us-east-1", maxAttempts: 1 });

const created = await ec2.send(new CreateSecurityGroupCommand({
  GroupName: "js-web", Description: "made by the JS SDK",
  TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: "suite", Value: "js" }] }],
}));
assert.match(created.GroupId, /^sg-/);
assert.ok(created.$metadata.requestId, "no request id");

const auth = await ec2.send(new AuthorizeSecurityGroupIngressCommand({
  GroupId: created.GroupId,
  IpPermissions: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "https" }] }],
}));
assert.equal(auth.Return, true);
assert.match(auth.SecurityGroupRules[0].SecurityGroupRuleId, /^sgr-/);

const desc = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [created.GroupId] }));
const g = desc.SecurityGroups[0];
assert.equal(g.GroupName, "js-web");
assert.deepEqual(g.IpPermissions.map((p) => [p.FromPort, p.IpRanges[0].CidrIp]), [[443, "0.0.0.0/0"]]);
assert.deepEqual(g.Tags, [{ Key: "suite", Value: "js" }]);

let n = 0;
for await (const page of paginateDescribeSecurityGroups({ client: ec2, pageSize: 5 }, {})) {
  n += page.SecurityGroups.length;
}
assert.ok(n >= 2, `paginated ${n} groups`);

try {
  await ec2.send(new CreateSecurityGroupCommand({ GroupName: "js-web", Description: "again" }));
  assert.fail("a duplicate group was created");
} catch (e) {
  assert.equal(e.name, "InvalidGroup.Duplicate");
  assert.ok(e.$metadata.requestId, "no request id on an error");
}
await ec2.send(new DeleteSecurityGroupCommand({ GroupId: created.GroupId }));
console.log("js sdk ok, request id", created.$metadata.requestId);
