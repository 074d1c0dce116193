package admin

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hostd/hostd/host/internal/keyset"
)

// KeyFile is the name of the signing key file in the data dir.
const KeyFile = "admin.key"

// MinKeyBytes is the shortest HMAC key NewHandler and MintToken accept.
const MinKeyBytes = 32

// LoadOrCreateKey returns the admin token signing key kept in
// DATADIR/admin.key. The file holds the key hex-encoded on one line
// (LoadOrCreateKey writes 32 random bytes; longer keys are accepted).
// When the file is absent it is created with mode 0600, and the directory
// with 0700 if missing, atomically: the key is written to a temporary file
// that is then linked into place, so a concurrent caller that won the race
// keeps its key and both return the same one.
//
// It returns an error when the directory cannot be created, the file cannot
// be read or written, or its content is not at least MinKeyBytes of hex.
func LoadOrCreateKey(dataDir string) ([]byte, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("admin: key: %w", err)
	}
	path := filepath.Join(dataDir, KeyFile)
	key, err := readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := createKey(dataDir, path); err != nil {
		return nil, err
	}
	return readKey(path)
}

// readKey reads and decodes the key file.
func readKey(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("admin: key: %w", err)
	}
	key, err := hex.DecodeString(string(bytes.TrimSpace(raw)))
	if err != nil {
		return nil, fmt.Errorf("admin: key %s is not hex: %w", path, err)
	}
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("admin: key %s has %d bytes, need at least %d; delete it to have a new one made",
			path, len(key), MinKeyBytes)
	}
	return key, nil
}

// createKey writes a fresh random key to path unless the file appears in
// the meantime.
func createKey(dir, path string) error {
	key := make([]byte, MinKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("admin: key: %w", err)
	}
	tmp, err := writeTemp(dir, []byte(hex.EncodeToString(key)+"\n"))
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) {
		return nil // someone else made it first; keep theirs
	}
	if err != nil {
		// No hard links here (some file systems): fall back to rename,
		// which is atomic but would replace a file made a moment ago.
		if _, statErr := os.Stat(path); statErr == nil {
			return nil
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("admin: key: %w", err)
		}
	}
	syncDir(dir)
	return nil
}

// writeTemp writes data to a new 0600 file in dir, synced, and returns its
// path.
func writeTemp(dir string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".admin.key-*")
	if err != nil {
		return "", fmt.Errorf("admin: key: %w", err)
	}
	name := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(name)
		return "", fmt.Errorf("admin: key: %w", err)
	}
	return name, nil
}

// syncDir makes a new directory entry durable; failures are ignored
// because not every platform can sync a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}

// MintToken returns an HS256 JWT for the admin API with the claims iss
// "hostd", aud "hostd-admin", sub (subject, default "hostd-cli"), role,
// iat (now), exp (now+ttl) and a random jti.
//
// It returns an error when key is shorter than MinKeyBytes, role is not a
// known Role, or ttl is not positive.
func MintToken(key []byte, role Role, subject string, ttl time.Duration, now time.Time) (string, error) {
	if len(key) < MinKeyBytes {
		return "", fmt.Errorf("admin: mint: key must be at least %d bytes", MinKeyBytes)
	}
	if !role.valid() {
		return "", fmt.Errorf("admin: mint: unknown role %q", role)
	}
	if ttl <= 0 {
		return "", fmt.Errorf("admin: mint: ttl must be > 0, got %s", ttl)
	}
	if subject == "" {
		subject = "hostd-cli"
	}
	tok, err := keyset.SignHS256(key, map[string]any{
		"role": string(role),
		"iss":  tokenIssuer,
		"aud":  []string{tokenAudience},
		"sub":  subject,
		"iat":  now.Unix(),
		"exp":  now.Add(ttl).Unix(),
		"jti":  randomHex(16),
	})
	if err != nil {
		return "", fmt.Errorf("admin: mint: %w", err)
	}
	return tok, nil
}
