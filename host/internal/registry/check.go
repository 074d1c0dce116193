package registry

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Check opens the registry file at path read-only and runs bbolt's
// consistency check (every page reachable once, freelist and branches
// sound), returning every problem found, joined; nil means the file is
// consistent. The file must not be open in another process.
func Check(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("registry: check %s: %w", path, err)
	}
	defer db.Close()
	var problems []error
	err = db.View(func(tx *bolt.Tx) error {
		for p := range tx.Check() {
			problems = append(problems, p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("registry: check %s: %w", path, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("registry: check %s: %d problems: %w", path, len(problems), errors.Join(problems...))
	}
	return nil
}
