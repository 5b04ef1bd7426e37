package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"sgswitch/account"
	"sgswitch/internal/bounded"
	"sgswitch/ruleset"
)

// Schema 3 keeps an account: the VPC layer as one record and each VPC's
// security-group model in a bucket of its own, laid out inside it as
// schema 2 laid out the one model at the file's root.
var (
	bucketNetwork = []byte("network")
	bucketVPCs    = []byte("vpcs")

	keyAccount = []byte("account")
)

// schemaOneVPC is the layout of a file whose one security-group model sits
// at the root (schema 2).
const schemaOneVPC = 2

// networkRecord is the account without its VPCs' security groups: the
// account's configuration and the whole VPC layer (VPCs, subnets, route
// tables, network ACLs, where each interface sits). It is one record: its
// size follows the number of those objects, which EC2's quotas keep to
// hundreds, not the number of rules.
type networkRecord struct {
	Config  account.Config  `json:"Config"`
	Network json.RawMessage `json:"Network"`
}

// bucketer is where a security-group model's buckets are: the file's root
// (*bolt.Tx, schema 2) or one VPC's bucket (schema 3).
type bucketer interface {
	Bucket(name []byte) *bolt.Bucket
}

// loadAccount reads a schema 3 account back; nil when the file holds none.
func loadAccount(tx *bolt.Tx) (*account.Spec, error) {
	nb := tx.Bucket(bucketNetwork)
	if nb == nil || nb.Get(keyAccount) == nil {
		if vpcs := tx.Bucket(bucketVPCs); vpcs != nil && vpcs.Stats().BucketN > 1 {
			return nil, errors.New("VPC records but no account record")
		}
		return nil, nil
	}
	var rec networkRecord
	if err := decode(bucketNetwork, keyAccount, nb.Get(keyAccount), &rec); err != nil {
		return nil, err
	}
	sp := &account.Spec{Config: rec.Config, Groups: map[string]ruleset.Spec{}}
	if err := json.Unmarshal(rec.Network, &sp.Network); err != nil {
		return nil, fmt.Errorf("%s record %q: the VPC layer: %v", bucketNetwork, keyAccount, err)
	}
	vpcs := tx.Bucket(bucketVPCs)
	if vpcs == nil {
		return sp, nil
	}
	err := vpcs.ForEach(func(k, v []byte) error {
		b := vpcs.Bucket(k)
		if v != nil || b == nil {
			return fmt.Errorf("%s: %q is not a VPC bucket", bucketVPCs, k)
		}
		gs, err := loadSpec(b)
		if err != nil {
			return fmt.Errorf("VPC %s: %w", k, err)
		}
		if gs == nil {
			return fmt.Errorf("VPC %s: no security-group model", k)
		}
		sp.Groups[string(k)] = *gs
		return nil
	})
	return sp, err
}

// forVPC is a Tx whose model buckets are VPC id's (created if missing).
func (t *Tx) forVPC(id string) (*Tx, error) {
	vpcs, err := t.tx.CreateBucketIfNotExists(bucketVPCs)
	if err != nil {
		return nil, err
	}
	b, err := vpcs.CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return nil, fmt.Errorf("store: VPC %s: %w", id, err)
	}
	for _, name := range modelBuckets {
		if _, err := b.CreateBucketIfNotExists(name); err != nil {
			return nil, err
		}
	}
	return &Tx{tx: t.tx, scope: b}, nil
}

// model is the bucket name of the security-group model this Tx writes.
func (t *Tx) model(name []byte) *bolt.Bucket {
	if t.scope != nil {
		return t.scope.Bucket(name)
	}
	return t.tx.Bucket(name)
}

// SaveAccount records the change from prev (what the store holds; nil for
// nothing or a file in an older schema, which is then converted in this
// transaction) to next. The VPC layer is rewritten when it changed; each
// VPC's security groups are saved like a schema 2 model: with
// SaveChanges' journal when next's State is a Clone of prev's, by
// comparison otherwise, and a VPC gone from next loses its bucket.
func (t *Tx) SaveAccount(prev, next *account.Account) error {
	if t.oldLayout() {
		if err := t.dropOldLayout(); err != nil {
			return err
		}
		prev = nil
	}
	if err := t.setVersion(SchemaVersion); err != nil {
		return err
	}
	if err := t.saveNetwork(next); err != nil {
		return err
	}
	for _, id := range next.VPCs() {
		if err := t.saveVPCGroups(id, prev, next.Groups(id)); err != nil {
			return fmt.Errorf("VPC %s: %w", id, err)
		}
	}
	if vpcs := t.tx.Bucket(bucketVPCs); vpcs != nil {
		var gone [][]byte
		_ = vpcs.ForEach(func(k, _ []byte) error {
			if next.Groups(string(k)) == nil {
				gone = append(gone, slices.Clone(k))
			}
			return nil
		})
		for _, k := range gone {
			if err := vpcs.DeleteBucket(k); err != nil {
				return fmt.Errorf("store: removing VPC %s: %w", k, err)
			}
		}
	}
	return nil
}

func (t *Tx) saveVPCGroups(id string, prev *account.Account, next *ruleset.State) error {
	vt, err := t.forVPC(id)
	if err != nil {
		return err
	}
	var was *ruleset.State
	if prev != nil {
		was = prev.Groups(id)
	}
	switch {
	case was == next:
		return nil // unchanged: the Account clone shares it
	case was == nil:
		return vt.SaveSpec(nil, next.View())
	}
	if ch, ok := next.ChangesSince(was); ok {
		return vt.SaveChanges(was.View(), next.View(), ch)
	}
	return vt.SaveSpec(was.View(), next.View())
}

// saveNetwork writes the network record when its bytes differ from the
// stored ones.
func (t *Tx) saveNetwork(a *account.Account) error {
	net, err := json.Marshal(a.Network().Spec())
	if err != nil {
		return fmt.Errorf("store: encoding the VPC layer: %w", err)
	}
	b, err := json.Marshal(networkRecord{Config: a.Config(), Network: net})
	if err != nil {
		return fmt.Errorf("store: encoding the VPC layer: %w", err)
	}
	if err := bounded.Check("the VPC layer", int64(len(b))); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	nb, err := t.tx.CreateBucketIfNotExists(bucketNetwork)
	if err != nil {
		return err
	}
	if bytes.Equal(nb.Get(keyAccount), b) {
		return nil
	}
	return nb.Put(keyAccount, b)
}

// oldLayout reports whether the root holds a schema 1 or 2 model.
func (t *Tx) oldLayout() bool {
	return t.legacy() || t.tx.Bucket(bucketVPC).Get(keyVPC) != nil
}

// dropOldLayout empties the root's model buckets (schema 2) and removes
// schema 1's record; the caller writes the whole account in the same
// transaction, so a crash leaves the old layout or the new one.
func (t *Tx) dropOldLayout() error {
	if t.legacy() {
		if err := t.tx.DeleteBucket(bucketRuleset); err != nil {
			return fmt.Errorf("store: converting the schema 1 spec: %w", err)
		}
	}
	for _, name := range modelBuckets {
		if err := t.tx.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return fmt.Errorf("store: converting bucket %s: %w", name, err)
		}
		if _, err := t.tx.CreateBucket(name); err != nil {
			return err
		}
	}
	return nil
}
