package hostile

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// logTail keeps the last lines of a child's stderr and counts lines by
// their JSON "msg".
type logTail struct {
	mu     sync.Mutex
	lines  []string
	next   int
	total  int
	counts map[string]int
	crash  []string // the first lines of a Go crash (fatal error, panic)
}

func newLogTail(n int) *logTail {
	return &logTail{lines: make([]string, 0, n), counts: map[string]int{}}
}

func (l *logTail) Add(line string) {
	line = strings.TrimRight(line, "\n")
	if len(line) > 2000 {
		line = line[:2000] + "…"
	}
	msg := jsonMsg(line)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total++
	l.counts[msg]++
	if len(l.crash) > 0 && len(l.crash) < 3 {
		l.crash = append(l.crash, line)
	}
	if len(l.crash) == 0 && (strings.HasPrefix(line, "fatal error") || strings.HasPrefix(line, "panic:") ||
		strings.HasPrefix(line, "runtime:")) {
		l.crash = append(l.crash, line)
	}
	if len(l.lines) < cap(l.lines) {
		l.lines = append(l.lines, line)
		return
	}
	l.lines[l.next] = line
	l.next = (l.next + 1) % len(l.lines)
}

func (l *logTail) ordered() []string {
	return append(append([]string{}, l.lines[l.next:]...), l.lines[:l.next]...)
}

func (l *logTail) Tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	all := l.ordered()
	if len(all) > n {
		all = all[len(all)-n:]
	}
	return strings.Join(all, "\n")
}

// Grep returns the kept lines containing sub (at most 3), or "".
func (l *logTail) Grep(sub string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.ordered() {
		if sub != "" && strings.Contains(line, sub) && len(out) < 3 {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// Crash returns the first lines of a Go crash report, or "".
func (l *logTail) Crash() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.crash, " | ")
}

func (l *logTail) Lines() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.total
}

func (l *logTail) Count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.counts[msg]
}

// TopMessages lists the n most frequent messages with their counts.
func (l *logTail) TopMessages(n int) string {
	l.mu.Lock()
	type mc struct {
		m string
		c int
	}
	var all []mc
	for m, c := range l.counts {
		all = append(all, mc{m, c})
	}
	l.mu.Unlock()
	for i := 1; i < len(all); i++ { // insertion sort: few distinct messages
		for j := i; j > 0 && all[j].c > all[j-1].c; j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	var parts []string
	for i := 0; i < len(all) && i < n && all[i].c > 1; i++ {
		parts = append(parts, fmt.Sprintf("%q×%d", all[i].m, all[i].c))
	}
	return strings.Join(parts, ", ")
}

// jsonMsg extracts the "msg" of a JSON log line, or returns a prefix of a
// line that is not one (Go runtime crashes, panics).
func jsonMsg(line string) string {
	var v struct {
		Msg string `json:"msg"`
	}
	if strings.HasPrefix(line, "{") && json.Unmarshal([]byte(line), &v) == nil {
		return v.Msg
	}
	if len(line) > 60 {
		line = line[:60]
	}
	return "(raw) " + line
}
