package replica

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// A sealed value of the control bucket is
//
//	sealMagic | nonce (12 bytes) | AES-256-GCM(op | stamp | record)
//
// with the bucket key (kind.id) as additional data, so a sealed value
// opens only under the key it was written for. op is opPut followed by
// the record, or opDelete alone (a signed deletion: a bare KV delete
// marker carries no seal and is not trusted). stamp orders the writes of
// one record (see stamp), so that a replayed older value is refused.
const (
	sealMagic = "hostd-seal1\n"
	opPut     = 'p'
	opDelete  = 'd'

	// MinKeyBytes is the minimum length of a cluster key file.
	MinKeyBytes = 32

	// keyInfo labels the record key derived from the cluster key, so
	// that the same file can safely feed other derivations later.
	keyInfo = "hostd cluster control records v1"
)

// Reasons a remote entry is rejected, as counted by Rejected.
const (
	RejectUnsealed = "unsealed"  // a plain value or a bare delete marker where a sealed one is required
	RejectBadSeal  = "bad_seal"  // sealed, but does not open with this node's key under this record's key
	RejectNoKey    = "no_key"    // sealed, and this node has no cluster key
	RejectMalform  = "malformed" // opens, but the content is not a record operation
	RejectStale    = "stale"     // authentic, but not newer than what this node has for the record (a replay)
)

// stamp orders the sealed writes of one record: a generation, one more
// than the newest this writer knew of, and the writer's random id as the
// tie-break between two writers of the same generation.
type stamp struct {
	gen    uint64
	writer [8]byte
}

const stampLen = 16

// after reports whether s is newer than o.
func (s stamp) after(o stamp) bool {
	if s.gen != o.gen {
		return s.gen > o.gen
	}
	return bytes.Compare(s.writer[:], o.writer[:]) > 0
}

// Sealer seals and opens control-bucket values with the cluster key.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the record key from secret (at least MinKeyBytes)
// with HKDF-SHA256.
func NewSealer(secret []byte) (*Sealer, error) {
	if len(secret) < MinKeyBytes {
		return nil, fmt.Errorf("replica: cluster key is %d bytes, want at least %d (e.g. openssl rand -hex 32)", len(secret), MinKeyBytes)
	}
	key, err := hkdf.Key(sha256.New, secret, nil, keyInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("replica: derive record key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("replica: record cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("replica: record cipher: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// LoadSealer reads a cluster key file: its content with surrounding
// white space removed is the secret. The file must not be accessible to
// group or others (chmod 600), as for an SSH private key.
func LoadSealer(path string) (*Sealer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("replica: cluster key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("replica: cluster key %s is accessible to group or others (mode %s): chmod 600 it", path, fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("replica: cluster key: %w", err)
	}
	s, err := NewSealer(bytes.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return s, nil
}

// seal returns the sealed value of record under key, stamped st; a nil
// record seals its deletion.
func (s *Sealer) seal(key string, record []byte, st stamp) ([]byte, error) {
	plain := make([]byte, 0, 1+stampLen+len(record))
	op := byte(opPut)
	if record == nil {
		op = opDelete
	}
	plain = append(plain, op)
	plain = binary.BigEndian.AppendUint64(plain, st.gen)
	plain = append(plain, st.writer[:]...)
	plain = append(plain, record...)
	out := make([]byte, len(sealMagic)+s.aead.NonceSize(), len(sealMagic)+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	copy(out, sealMagic)
	if _, err := rand.Read(out[len(sealMagic):]); err != nil {
		return nil, fmt.Errorf("replica: seal nonce: %w", err)
	}
	nonce := out[len(sealMagic):]
	return s.aead.Seal(out, nonce, plain, []byte(key)), nil
}

var errRejected = errors.New("replica: record rejected")

// opened is a remote entry that passed the origin check.
type opened struct {
	deleted bool
	record  []byte
	stamp   stamp // sealed values only
}

// open checks the origin of a watched entry and returns what it says, or
// the reason it is rejected. With a nil Sealer (a cluster without a key,
// loopback only) plain values and delete markers are taken as they are.
func (s *Sealer) open(key string, value []byte, deleted bool) (opened, string) {
	sealed := bytes.HasPrefix(value, []byte(sealMagic))
	if s == nil {
		if sealed {
			return opened{}, RejectNoKey
		}
		return opened{deleted: deleted, record: value}, ""
	}
	if deleted || !sealed {
		return opened{}, RejectUnsealed
	}
	body := value[len(sealMagic):]
	ns := s.aead.NonceSize()
	if len(body) < ns {
		return opened{}, RejectBadSeal
	}
	plain, err := s.aead.Open(nil, body[:ns], body[ns:], []byte(key))
	if err != nil {
		return opened{}, RejectBadSeal
	}
	if len(plain) < 1+stampLen {
		return opened{}, RejectMalform
	}
	op := opened{stamp: stamp{gen: binary.BigEndian.Uint64(plain[1:9])}}
	copy(op.stamp.writer[:], plain[9:1+stampLen])
	rec := plain[1+stampLen:]
	switch {
	case plain[0] == opDelete && len(rec) == 0:
		op.deleted = true
		return op, ""
	case plain[0] == opPut && len(rec) > 0:
		op.record = rec
		return op, ""
	}
	return opened{}, RejectMalform
}
