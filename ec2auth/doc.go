// Package ec2auth authenticates requests to the sgswitch EC2 endpoint
// with AWS Signature Version 4, written from the SigV4 documentation,
// and keeps the daemon's one pair of credentials.
//
// # Why
//
// The EC2 endpoint listens on loopback, but every local user can
// connect to loopback; without authentication any of them could rewrite
// the security groups of live traffic. The daemon therefore generates
// credentials on its first start (credentials.go) into a 0600 file in its
// state directory, readable by the daemon's user only, and verifies every
// request's signature. The AWS CLI and SDKs sign with SigV4 already; they
// only need the credentials (`sgswitch ec2 credentials`).
//
// # Design
//
// Verify takes the request and its already-read body (bounded by the
// caller) and rebuilds what the client signed: the canonical request
// (method, URI path, sorted and encoded query, the signed headers, the
// SHA-256 of the body), the string to sign (algorithm, X-Amz-Date, the
// credential scope date/region/ec2/aws4_request, the canonical request's
// hash) and the signing key (HMAC chain from "AWS4"+secret over date,
// region, service, "aws4_request"). Both forms are served: the
// Authorization header and the presigned query string (X-Amz-Signature,
// X-Amz-Expires). The request's date must be within 15 minutes of now;
// any region is accepted (the lab has one VPC whatever region a client
// names), the service must be ec2. Sign (sign.go) is the same
// construction from the client's side, for `sgswitch ec2`.
//
// Errors carry EC2's codes (ErrorCode/ErrorMessage, which the ec2api
// handler turns into its error envelope): MissingAuthenticationToken for
// a request with no signature, IncompleteSignature for a malformed one,
// AuthFailure for an unknown access key, SignatureDoesNotMatch for a
// wrong signature, RequestExpired for a date out of the window.
//
// # Thread-safety
//
// A Verifier is read-only once made and safe for concurrent use.
package ec2auth
