// Package imds serves EC2 instance metadata (IMDS) at 169.254.169.254
// and [fd00:ec2::254], port 80, to the instances behind the switch's
// interfaces (spec ec2-vpc.md 5 and 6).
//
// # What
//
// Handler is the HTTP side: IMDSv2 tokens (PUT /latest/api/token with
// X-aws-ec2-metadata-token-ttl-seconds 1–21600), IMDSv1 unless the
// instance's HttpTokens is "required", and the metadata tree under /latest/
// and the dated versions, every value read from the vpcsvc.Directory on
// every request. Server puts the Handler on the packet path: the VPC
// services hand it every frame an interface sends to a metadata address
// (HandleFrame), and it terminates TCP itself and sends the replies back
// through Config.Send. The API:
//
//	srv := imds.New(imds.Config{Directory: dir, Send: sw.Send})
//	srv.HandleFrame(eniID, frame)   // on the packet path: never blocks, never keeps frame
//	srv.Stats()                     // frames, stacks, counted drops
//	srv.Close()                     // stops every stack, waits for its goroutines
//
// # Design: why a userspace TCP/IP stack
//
// Each interface that talks to the service gets its own small gVisor
// netstack, built on its first frame: one NIC whose far side is the
// instance, the two metadata addresses on it, a default route out of it,
// and net/http serving the Handler bound to that interface over a
// listener on each address. Frames go in at layer 3 (the Ethernet header
// stripped) and what the stack sends comes out of a pump goroutine that
// puts an Ethernet header on it (RouterMAC to the interface's MAC) and
// calls Send. This way:
//
//   - nothing on the host changes: no namespace, no tap, no listening
//     socket, no address on any host interface, no root;
//   - the instance is known from the interface the frame arrived on, never
//     from its source address, so a guest cannot ask as another one by
//     spoofing, and VPCs with overlapping addresses (10.0.1.5 in two
//     VPCs) are two unrelated stacks;
//   - the hop limit is a property of the reply packets, which the stack
//     writes (below).
//
// # Tokens and hop limit
//
// A token is stateless: its expiry and an HMAC over the expiry and the
// instance id, with a key random per Handler. It is valid on every
// interface of its instance and nowhere else, survives the reaping of a
// stack, and dies with a restart of the daemon (clients then get 401 and
// fetch a new one). An invalid or expired token gets 401 even where
// tokens are optional, as on EC2. A PUT with X-Forwarded-For gets 403.
//
// HttpPutResponseHopLimit is, as EC2's documentation words it, "the
// desired HTTP PUT response hop limit": the IP TTL (IPv6 hop limit) of
// the response to the token PUT. Every other response goes out with TTL
// 64. The Handler sets the hop limit on the connection's endpoint when it
// issues a token and answers with "Connection: close", so everything the
// connection sends afterwards (the response, retransmissions, its FIN)
// carries the hop limit and nothing else does. With the default of 1, a
// container routed behind the instance gets no token, as on EC2; IMDSv1
// still reaches it unless tokens are required.
//
// # Status codes
//
// 400 for a token PUT without a valid TTL; 401 for a missing (required)
// or invalid token; 403 when HttpEndpoint is disabled (the EC2 User
// Guide lists 403 Forbidden for a request that is not allowed or an IMDS
// that is turned off — recalled, not checked against the page, which the
// API references at hand do not include; aws-sdk-go-v2's imds client
// treats a 403 on the token PUT as IMDSv2 being unavailable) and for a
// token PUT carrying
// X-Forwarded-For; 404 for an unknown path or version, and for an
// interface with no instance; 405 for other methods. The [fd00:ec2::254]
// endpoint exists only with HttpProtocolIpv6: without it its frames are
// dropped (counted), as if nothing were there.
//
// # Bounds
//
// Limits caps the stacks (MaxStacks), the open connections per interface
// (MaxConns; more are reset), the request headers (MaxHeaderBytes) and
// the time to read a request, write a response and keep an idle
// connection. A stack that has had no frame for StackIdle is reaped.
// Frames that are not TCP to port 80 of a metadata address are dropped
// before any stack sees them. Every drop is counted in Stats.
//
// # What is not served
//
// iam/ (no instance profiles), block-device-mapping/, events/, metrics/,
// public-hostname and public-ipv4 (no public addresses, so also no
// ipv4-associations/), spot/, and the signatures of the identity document
// (pkcs7, rsa2048, signature): nothing here holds AWS's key, so they are
// neither listed nor served rather than served unverifiable.
// placement/availability-zone-id is derived from the zone's name
// (us-east-1a → use1-az1); the identity document's architecture from the
// instance type. Every version serves the current tree.
//
// # Thread-safety
//
// HandleFrame, Stats and Close may be called concurrently from any
// goroutine; Handler is safe for concurrent use. The Directory must be
// safe for concurrent use and must not block.
package imds
