// Package subject checks and matches NATS subjects the way hostd's grants,
// triggers and NATS routes use them. It has no dependencies, so the admin
// API, the engine and the data plane share one definition.
package subject

import "strings"

// ReservedPrefix starts the subjects only hostd itself publishes on
// (hostd.events.>, dead letters...). It is one of the reserved spaces.
const ReservedPrefix = "hostd."

// InboxPrefix starts NATS reply inboxes (nats.go's default "_INBOX." and
// hostd's plugin inboxes "_INBOX_PLUGIN."): any first token starting with
// it is reserved.
const InboxPrefix = "_INBOX"

// ReservedSpaces describes the reserved subject spaces for messages.
const ReservedSpaces = `"$…" (JetStream, KV, object store, system), "_INBOX…" (reply inboxes) and "hostd.…"`

// MaxLen is the longest subject accepted (abi.MaxSubjectLen).
const MaxLen = 256

// Valid reports whether s is a subject NATS accepts: dot-separated
// non-empty tokens without whitespace, at most MaxLen bytes. With wild the
// wildcards * (a whole token) and > (the last token) are allowed.
func Valid(s string, wild bool) bool {
	if s == "" || len(s) > MaxLen || strings.ContainsAny(s, " \t\r\n\x00") {
		return false
	}
	toks := strings.Split(s, ".")
	for i, t := range toks {
		switch {
		case t == "":
			return false
		case t == "*" || (t == ">" && i == len(toks)-1):
			if !wild {
				return false
			}
		case strings.ContainsAny(t, "*>"):
			return false
		}
	}
	return true
}

// Reserved reports whether s (a subject, or a pattern whose first token is
// literal) lies in a reserved subject space: its first token starts with
// "$" (every NATS system space: $JS, $KV, $O, $SYS, $JSC, $NRG, $G...) or
// with InboxPrefix, or is "hostd". Plugins, grants, triggers and NATS routes
// never use these; only hostd's own connection does. Use MayReachReserved
// for patterns whose first token may be a wildcard.
func Reserved(s string) bool {
	return reservedToken(firstToken(s))
}

// MayReachReserved reports whether pattern p could match a subject in a
// reserved space: its first token is reserved or a wildcard ("*" or ">").
// A grant or a trigger subject for which it is true is refused: ">",
// "*.>", "*.API.>", "$JS.API.>", "_INBOX.>", "hostd.events.*".
func MayReachReserved(p string) bool {
	t := firstToken(p)
	return t == "*" || t == ">" || reservedToken(t)
}

// Inbox reports whether s is a reply inbox (its first token starts with
// InboxPrefix). A plugin may answer a message it received on such a reply
// subject, never publish there itself.
func Inbox(s string) bool {
	return strings.HasPrefix(firstToken(s), InboxPrefix)
}

func firstToken(s string) string {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return s[:i]
	}
	return s
}

func reservedToken(t string) bool {
	return strings.HasPrefix(t, "$") || strings.HasPrefix(t, InboxPrefix) || t == "hostd"
}

// Matches reports whether subject matches pattern: * matches one token, a
// final > one or more.
func Matches(pattern, subject string) bool {
	pt, st := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, p := range pt {
		if p == ">" && i == len(pt)-1 {
			return len(st) > i
		}
		if i >= len(st) || (p != "*" && p != st[i]) {
			return false
		}
	}
	return len(pt) == len(st)
}

// MatchesAny reports whether subject matches one of patterns.
func MatchesAny(patterns []string, subject string) bool {
	for _, p := range patterns {
		if Matches(p, subject) {
			return true
		}
	}
	return false
}
