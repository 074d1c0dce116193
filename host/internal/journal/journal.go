// Package journal records which plugin calls are running in a
// memory-mapped file, so that when hostd stops without shutting down (a
// crash, the kernel's OOM killer, an operator's SIGKILL of a host that
// hung) the next start knows which plugin versions were in a long call at
// that moment and can keep them from running blindly again.
//
// Writes are plain stores into a shared mapping: the kernel keeps them
// when the process dies, at no cost of a system call on the request path.
// (A machine that loses power loses the journal; that is not what it is
// for.)
package journal

import (
	"encoding/binary"

	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// File layout: a 64-byte header (magic, clean flag, heartbeat) and
// fixed-size slots, one per live plugin instance.
const (
	magic      = "HOSTDJ01"
	headerSize = 64
	slotSize   = 128
	offClean   = 8
	offBeat    = 16
	// a slot: call start (unix ns, 0 = idle), version, name length, name
	slotStart   = 0
	slotVersion = 8
	slotNameLen = 16
	slotName    = 17
	maxName     = slotSize - slotName

	heartbeat = 50 * time.Millisecond
)

// Suspect is a plugin version that was in a call when the previous run
// stopped without shutting down.
type Suspect struct {
	Plugin  string
	Version int
	// Running is how long its longest call had been running at the last
	// heartbeat before the stop.
	Running time.Duration
}

// Journal is an open journal. It is safe for concurrent use.
type Journal struct {
	f   *os.File
	mem []byte

	mu   sync.Mutex
	free []int // free slot indexes

	stop chan struct{}
	done sync.WaitGroup
}

// Open opens the journal at path with room for slots concurrent calls,
// and returns the suspects of the previous run: the plugin versions whose
// calls had been running for at least minRunning when it stopped without
// Close. A journal of a clean stop, a missing or unreadable one has none.
func Open(path string, slots int, minRunning time.Duration) (*Journal, []Suspect, error) {
	suspects := readSuspects(path, minRunning)
	size := headerSize + slots*slotSize
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	if err := f.Truncate(int64(size)); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	mem, err := mapFile(f, size)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("journal: map %s: %w", path, err)
	}
	copy(mem, magic)
	j := &Journal{f: f, mem: mem, stop: make(chan struct{})}
	for i := slots - 1; i >= 0; i-- {
		j.free = append(j.free, i)
	}
	j.beat()
	j.done.Add(1)
	go j.run()
	return j, suspects, nil
}

func (j *Journal) word(off int) *int64 { return (*int64)(unsafe.Pointer(&j.mem[off])) }

func (j *Journal) beat() { atomic.StoreInt64(j.word(offBeat), time.Now().UnixNano()) }

func (j *Journal) run() {
	defer j.done.Done()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			j.beat()
		}
	}
}

// Close marks the journal clean (the next Open finds no suspects) and
// unmaps it.
func (j *Journal) Close() error {
	close(j.stop)
	j.done.Wait()
	atomic.StoreInt64(j.word(offClean), 1)
	err := unmapFile(j.mem)
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Slot records the calls of one instance. A nil Slot (the journal was
// full) records nothing.
type Slot struct {
	j   *Journal
	idx int
	off int
}

// Acquire returns a slot for an instance of plugin version, or nil when
// every slot is taken.
func (j *Journal) Acquire(plugin string, version int) *Slot {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.free) == 0 {
		return nil
	}
	idx := j.free[len(j.free)-1]
	j.free = j.free[:len(j.free)-1]
	s := &Slot{j: j, idx: idx, off: headerSize + idx*slotSize}
	b := j.mem[s.off : s.off+slotSize]
	atomic.StoreInt64(j.word(s.off+slotStart), 0)
	binary.LittleEndian.PutUint64(b[slotVersion:], uint64(version))
	n := copy(b[slotName:], plugin)
	b[slotNameLen] = byte(n)
	return s
}

// Begin records that a call started at t.
func (s *Slot) Begin(t time.Time) {
	if s != nil {
		atomic.StoreInt64(s.j.word(s.off+slotStart), t.UnixNano())
	}
}

// End records that the call ended.
func (s *Slot) End() {
	if s != nil {
		atomic.StoreInt64(s.j.word(s.off+slotStart), 0)
	}
}

// Release frees the slot.
func (s *Slot) Release() {
	if s == nil {
		return
	}
	s.End()
	s.j.mu.Lock()
	s.j.free = append(s.j.free, s.idx)
	s.j.mu.Unlock()
}

// readSuspects reads the journal a previous run left.
func readSuspects(path string, minRunning time.Duration) []Suspect {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < headerSize || string(b[:len(magic)]) != magic {
		return nil
	}
	if binary.LittleEndian.Uint64(b[offClean:]) == 1 {
		return nil
	}
	beat := int64(binary.LittleEndian.Uint64(b[offBeat:]))
	longest := map[[2]any]time.Duration{}
	var order [][2]any
	for off := headerSize; off+slotSize <= len(b); off += slotSize {
		s := b[off : off+slotSize]
		start := int64(binary.LittleEndian.Uint64(s[slotStart:]))
		n := int(s[slotNameLen])
		if start == 0 || n > maxName {
			continue
		}
		running := time.Duration(beat - start)
		if running < minRunning {
			continue
		}
		k := [2]any{string(s[slotName : slotName+n]), int(binary.LittleEndian.Uint64(s[slotVersion:]))}
		if _, ok := longest[k]; !ok {
			order = append(order, k)
		}
		longest[k] = max(longest[k], running)
	}
	out := make([]Suspect, 0, len(order))
	for _, k := range order {
		out = append(out, Suspect{Plugin: k[0].(string), Version: k[1].(int), Running: longest[k]})
	}
	return out
}
