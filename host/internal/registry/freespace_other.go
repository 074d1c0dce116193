//go:build !(linux || darwin || freebsd)

package registry

import "errors"

// freeSpace is not implemented here: the disk reserve is not enforced.
func freeSpace(string) (uint64, error) { return 0, errors.ErrUnsupported }
