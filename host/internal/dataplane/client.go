package dataplane

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/hostd/hostd/host/internal/upstream"
)

// ClientPolicy says what the data plane keeps of the headers a client
// sends. The zero value is the safe default: no peer is trusted and
// header names with an underscore are dropped.
type ClientPolicy struct {
	// TrustedProxies are the peers whose X-Forwarded-For, -Host, -Proto
	// and -Port are kept (X-Forwarded-For then gets the peer appended).
	// From any other peer they are removed before the filters run.
	TrustedProxies []netip.Prefix
	// AllowUnderscoreHeaders keeps client headers whose name contains '_'.
	// Even then, one whose folded name (lower case, '_' as '-') is that of
	// another header of the outgoing request or of a header hostd manages
	// is dropped before the target sees it (DropConfusable).
	AllowUnderscoreHeaders bool
}

// alwaysStripped are forwarding headers hostd does not maintain: a target
// reading them would believe the client. X-Real-IP and Forwarded are never
// kept (hostd sets X-Forwarded-For instead).
var alwaysStripped = []string{"Forwarded", "X-Real-Ip"}

// trustedOnly are kept only from a trusted proxy.
var trustedOnly = []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port"}

// cleanClient returns r with the client's hop-by-hop headers (Connection,
// the headers it names, and upstream.HopHeaders), untrusted forwarding headers and,
// unless allowed, underscore headers removed. It runs before any filter,
// so what a filter or the host sets afterwards reaches the target intact.
// r itself is not modified when something must go: net/http reads r's
// Connection header after the handler returns (HTTP/1.0 keep-alive), so
// the result is a shallow copy with its own header map.
func (pol *ClientPolicy) cleanClient(r *http.Request) *http.Request {
	if !pol.needsCleaning(r) {
		return r
	}
	h := r.Header.Clone()
	upstream.RemoveHopHeaders(h) // they describe the client's connection to hostd
	for _, name := range alwaysStripped {
		delete(h, name)
	}
	if !pol.trusted(r.RemoteAddr) {
		for _, name := range trustedOnly {
			delete(h, name)
		}
	}
	if !pol.AllowUnderscoreHeaders {
		for k := range h {
			if strings.IndexByte(k, '_') >= 0 {
				delete(h, k)
			}
		}
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = h
	return r2
}

// needsCleaning reports whether cleanClient has anything to remove, so the
// common request costs no allocation. It looks at each of the request's
// header names once.
func (pol *ClientPolicy) needsCleaning(r *http.Request) bool {
	forwarded := false
	for k := range r.Header {
		if !pol.AllowUnderscoreHeaders && strings.IndexByte(k, '_') >= 0 {
			return true
		}
		switch cleanClass[k] {
		case classRemoved:
			return true
		case classTrustedOnly:
			forwarded = true
		}
	}
	return forwarded && !pol.trusted(r.RemoteAddr)
}

// cleanClass classifies the header names (canonical, as cleanClient
// removes them) that make cleanClient remove something.
var cleanClass = func() map[string]uint8 {
	m := map[string]uint8{}
	for _, name := range trustedOnly {
		m[name] = classTrustedOnly
	}
	for _, list := range [][]string{upstream.HopHeaders, alwaysStripped} {
		for _, name := range list {
			m[name] = classRemoved
		}
	}
	return m
}()

const (
	classRemoved = 1 + iota
	classTrustedOnly
)

func (pol *ClientPolicy) trusted(remoteAddr string) bool {
	if len(pol.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range pol.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// managedFolded are the folded names (lower case, '-') of headers hostd
// sets or reads for the target: a header folding to one of them must not
// reach a target that folds '_' into '-' (CGI, WSGI, PHP, Rack).
var managedFolded = []string{
	"x-request-id", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
	"x-forwarded-port", "x-real-ip", "forwarded", "host", "content-length",
	"transfer-encoding", "connection", "te", "trailer", "upgrade",
}

// DropConfusable removes from h, just before a target sees it, every
// header whose name contains '_' and folds (ASCII lower case, '_' as '-')
// to the name of another header in h without '_', to a header hostd
// manages, or into the Hostd-* space. A target that folds names would
// otherwise merge a client's X_User into the X-User a filter forwarded.
func DropConfusable(h http.Header) {
	for k := range h {
		if strings.IndexByte(k, '_') < 0 {
			continue
		}
		if confusable(h, k) {
			delete(h, k)
		}
	}
}

func confusable(h http.Header, k string) bool {
	if len(k) >= len(hostdPrefix) && foldEqual(k[:len(hostdPrefix)], hostdPrefix) {
		return true
	}
	for _, m := range managedFolded {
		if foldEqual(k, m) {
			return true
		}
	}
	for other := range h {
		if other != k && strings.IndexByte(other, '_') < 0 && foldEqual(k, other) {
			return true
		}
	}
	return false
}

// foldEqual reports whether a and b are the same header name to a target
// that ignores ASCII case and does not tell '_' from '-'.
func foldEqual(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if foldByte(a[i]) != foldByte(b[i]) {
			return false
		}
	}
	return true
}

func foldByte(c byte) byte {
	switch {
	case c == '_':
		return '-'
	case 'A' <= c && c <= 'Z':
		return c + 'a' - 'A'
	}
	return c
}
