package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// moduleShape is what inspect learns from a binary before wazero compiles
// it: enough to refuse modules that would be expensive to compile or to
// instantiate, so that an upload cannot exhaust the host at load time.
type moduleShape struct {
	functions   uint64 // defined functions (function section)
	imports     uint64
	tableMin    uint64 // largest initial table size
	memoryMin   uint64 // initial pages of the (single) memory
	memoryCount uint64
	dataBytes   uint64 // total bytes of the data section
}

// shapeLimits bounds moduleShape. Zero fields are not checked.
type shapeLimits struct {
	maxFunctions  uint64
	maxImports    uint64
	maxTableElems uint64
	maxPages      uint64
}

var errNotWasm = errors.New("not a WebAssembly module (missing \\0asm magic or version 1)")

// inspect walks the section headers of a WebAssembly binary. It reads only
// the counts and limits it needs and trusts wazero for full validation.
func inspect(b []byte) (moduleShape, error) {
	var s moduleShape
	if len(b) < 8 || string(b[:4]) != "\x00asm" || binary.LittleEndian.Uint32(b[4:8]) != 1 {
		return s, errNotWasm
	}
	r := reader{b: b, off: 8}
	for r.off < len(r.b) {
		id := r.byte()
		size := r.u32()
		if r.err != nil || uint64(len(r.b)-r.off) < size {
			return s, fmt.Errorf("section %d: truncated", id)
		}
		body := reader{b: r.b[r.off : r.off+int(size)]}
		r.off += int(size)
		if err := s.section(id, &body); err != nil {
			return s, fmt.Errorf("section %d: %w", id, err)
		}
	}
	return s, r.err
}

func (s *moduleShape) section(id byte, r *reader) error {
	switch id {
	case 2: // import
		s.imports = r.u32()
	case 3: // function
		s.functions = r.u32()
	case 4: // table
		n := r.u32()
		for i := uint64(0); i < n && r.err == nil; i++ {
			r.byte() // reftype
			if min := r.limits(); min > s.tableMin {
				s.tableMin = min
			}
		}
	case 5: // memory
		s.memoryCount = r.u32()
		if s.memoryCount > 0 {
			s.memoryMin = r.limits()
		}
	case 11: // data
		s.dataBytes = uint64(len(r.b))
	}
	return r.err
}

func (s moduleShape) check(l shapeLimits) error {
	var errs []error
	if l.maxFunctions > 0 && s.functions > l.maxFunctions {
		errs = append(errs, fmt.Errorf("%d functions, the limit is %d", s.functions, l.maxFunctions))
	}
	if l.maxImports > 0 && s.imports > l.maxImports {
		errs = append(errs, fmt.Errorf("%d imports, the limit is %d", s.imports, l.maxImports))
	}
	if l.maxTableElems > 0 && s.tableMin > l.maxTableElems {
		errs = append(errs, fmt.Errorf("a table of %d elements, the limit is %d", s.tableMin, l.maxTableElems))
	}
	if l.maxPages > 0 && s.memoryMin > l.maxPages {
		errs = append(errs, fmt.Errorf("initial memory of %d pages, the limit is %d pages (%d MiB)",
			s.memoryMin, l.maxPages, l.maxPages/16))
	}
	return errors.Join(errs...)
}

// reader decodes LEB128 and bytes; the first error sticks.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.err = errors.New("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) u32() uint64 {
	var v uint64
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = errors.New("malformed LEB128")
	return 0
}

// limits reads a limits structure and returns its minimum.
func (r *reader) limits() uint64 {
	flag := r.byte()
	min := r.u32()
	if flag&1 != 0 {
		r.u32() // max
	}
	return min
}
