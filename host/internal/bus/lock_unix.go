//go:build unix

package bus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockFileName is created inside StoreDir; nats-server ignores it.
const lockFileName = ".hostd-bus.lock"

// lockDir takes an exclusive, non-blocking flock on a file in dir. The
// kernel releases it when the process dies, so kill -9 leaves no stale lock.
// flock locks belong to the open file description, so a second Bus in the
// same process is refused too.
func lockDir(dir string) (release func() error, err error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("bus: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s (is another hostd running on this data dir?)", ErrStoreLocked, dir)
		}
		return nil, fmt.Errorf("bus: lock %s: %w", path, err)
	}
	return f.Close, nil
}
