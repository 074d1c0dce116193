// Package subject checks and matches NATS subjects the way hostd's grants,
// triggers and NATS routes use them. It has no dependencies, so the admin
// API, the engine and the data plane share one definition.
package subject

import "strings"

// ReservedPrefix starts the subjects only hostd itself publishes on
// (hostd.events.>, dead letters...). Plugins and routes may not use them.
const ReservedPrefix = "hostd."

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

// Reserved reports whether s (a subject or a pattern) names ReservedPrefix
// explicitly. A wider pattern such as ">" is not reserved, but the subjects
// under ReservedPrefix it matches are still refused when used.
func Reserved(s string) bool {
	return strings.HasPrefix(s, ReservedPrefix) || s == "hostd"
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
