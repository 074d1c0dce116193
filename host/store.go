package host

import (
	"fmt"
	"path/filepath"

	"github.com/hostd/hostd/host/internal/registry"
)

// CheckStore runs bbolt's consistency check on DATA_DIR/registry.db and
// returns the problems it found (nil: consistent). hostd must not be
// running on the directory (the file is locked while it does).
func CheckStore(dataDir string) error {
	if err := registry.Check(filepath.Join(dataDir, "registry.db")); err != nil {
		return fmt.Errorf("host: %w", err)
	}
	return nil
}
