package imds

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Token limits (seconds), as EC2 takes them in
// X-aws-ec2-metadata-token-ttl-seconds.
const (
	MinTokenTTL = 1
	MaxTokenTTL = 21600
)

// A token is stateless: base64url(expiry ‖ HMAC-SHA256(key, expiry ‖
// instance id)[:tokenMACLen]). Nothing is stored per token, so a guest
// asking for tokens in a loop costs no memory, and a token survives the
// reaping of its interface's stack. Binding the instance id into the MAC
// makes a token useless on another instance, as on EC2. The key is random
// per Handler: a restart of the daemon invalidates every token, which
// clients handle (a 401 makes them fetch a new one).
const (
	tokenExpiryLen = 8
	tokenMACLen    = 24
	tokenLen       = tokenExpiryLen + tokenMACLen
)

var tokenEncoding = base64.RawURLEncoding

type tokenKey [32]byte

func newTokenKey() *tokenKey {
	var k tokenKey
	if _, err := rand.Read(k[:]); err != nil {
		panic("imds: no randomness for the token key: " + err.Error())
	}
	return &k
}

func (k *tokenKey) sum(expiry int64, instanceID string) []byte {
	m := hmac.New(sha256.New, k[:])
	var e [tokenExpiryLen]byte
	binary.BigEndian.PutUint64(e[:], uint64(expiry))
	m.Write(e[:])
	m.Write([]byte(instanceID))
	return m.Sum(nil)[:tokenMACLen]
}

// issue returns a token for instanceID valid until expiry.
func (k *tokenKey) issue(instanceID string, expiry time.Time) string {
	var b [tokenLen]byte
	exp := expiry.Unix()
	binary.BigEndian.PutUint64(b[:tokenExpiryLen], uint64(exp))
	copy(b[tokenExpiryLen:], k.sum(exp, instanceID))
	return tokenEncoding.EncodeToString(b[:])
}

// valid reports whether tok was issued by k for instanceID and has not
// expired at now.
func (k *tokenKey) valid(tok, instanceID string, now time.Time) bool {
	exp, mac, ok := parseToken(tok)
	if !ok || now.Unix() >= exp {
		return false
	}
	return hmac.Equal(mac, k.sum(exp, instanceID))
}

// parseToken splits a token into its expiry (Unix seconds) and MAC.
func parseToken(tok string) (expiry int64, mac []byte, ok bool) {
	if len(tok) != tokenEncoding.EncodedLen(tokenLen) {
		return 0, nil, false
	}
	b, err := tokenEncoding.DecodeString(tok)
	if err != nil || len(b) != tokenLen {
		return 0, nil, false
	}
	return int64(binary.BigEndian.Uint64(b[:tokenExpiryLen])), b[tokenExpiryLen:], true
}
