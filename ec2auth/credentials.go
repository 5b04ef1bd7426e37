package ec2auth

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"sgswitch/internal/bounded"
)

// FileName is the credentials file in the daemon's state directory.
const FileName = "ec2-credentials.json"

// Credentials are the endpoint's one access key.
type Credentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretSet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// Generate returns new random credentials in AWS's shape: an access key
// id AKIA + 16 upper-case letters and digits, a 40-character secret.
func Generate() (Credentials, error) {
	id, err := randomString(upperAlnum, 16)
	if err != nil {
		return Credentials{}, err
	}
	secret, err := randomString(secretSet, 40)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{AccessKeyID: "AKIA" + id, SecretAccessKey: secret}, nil
}

// randomString draws n characters of set uniformly (rejection sampling,
// so no character is likelier than another).
func randomString(set string, n int) (string, error) {
	out := make([]byte, 0, n)
	limit := 256 - 256%len(set)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, set[int(b)%len(set)])
			}
		}
	}
	return string(out), nil
}

// Load reads the credentials in stateDir; errors.Is(err, fs.ErrNotExist)
// when the daemon has not made any.
func Load(stateDir string) (Credentials, error) {
	path := filepath.Join(stateDir, FileName)
	raw, err := bounded.ReadFile(path)
	if err != nil {
		return Credentials{}, err
	}
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return Credentials{}, fmt.Errorf("%s: not a credentials file (want {\"AccessKeyId\":…,\"SecretAccessKey\":…})", path)
	}
	return c, nil
}

// LoadOrCreate returns the credentials in stateDir, generating and
// writing them (mode 0600, readable by the daemon's user only) on the
// first start, so a restart keeps the keys users exported.
func LoadOrCreate(stateDir string) (Credentials, error) {
	c, err := Load(stateDir)
	if !errors.Is(err, fs.ErrNotExist) {
		return c, err
	}
	if c, err = Generate(); err != nil {
		return Credentials{}, err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return Credentials{}, err
	}
	raw, _ := json.MarshalIndent(c, "", "  ")
	path := filepath.Join(stateDir, FileName)
	// O_EXCL: never write through a file (or symlink) someone else put there.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Credentials{}, fmt.Errorf("writing the EC2 credentials: %w", err)
	}
	if _, err = f.Write(append(raw, '\n')); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return Credentials{}, fmt.Errorf("writing the EC2 credentials: %w", err)
	}
	return c, nil
}
