package engine

import (
	"net/textproto"
	"testing"
)

func TestCanonicalIntoMatchesTextproto(t *testing.T) {
	for _, name := range []string{"content-type", "CONTENT-TYPE", "Content-Type", "x-api-key", "X-API-KEY",
		"a", "-", "--x", "x--y", "te", "WWW-authenticate", "x_under_score", "x.dot~1", "x-ÿ"[:3], "1a-2b"} {
		if !validName([]byte(name)) {
			continue
		}
		buf := make([]byte, len(name))
		if got, want := string(canonicalInto(buf, []byte(name))), textproto.CanonicalMIMEHeaderKey(name); got != want {
			t.Errorf("canonicalInto(%q) = %q, textproto says %q", name, got, want)
		}
	}
}

func TestIsManagedFoldsCase(t *testing.T) {
	for name, want := range map[string]bool{
		"content-length": true, "CONTENT-LENGTH": true, "Te": true, "tE": true, "host": true,
		"Transfer-Encoding": true, "connection": true, "trailer": true, "UPGRADE": true,
		"Hosts": false, "Content-Lengt": false, "T": false, "": false, "Content_Length": false,
		"X-Te": false, "Ue": false, "Tf": false,
	} {
		if got := isManaged([]byte(name)); got != want {
			t.Errorf("isManaged(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestInternIsBoundedAndStable(t *testing.T) {
	var i Instance
	a := i.intern([]byte("text/plain"))
	if b := i.intern([]byte("text/plain")); b != a || len(i.interned) != 1 {
		t.Fatalf("intern: %q %q, %d entries", a, b, len(i.interned))
	}
	for n := range 2 * maxInterned {
		v := []byte{byte(n), byte(n >> 8), 'v'}
		if s := i.intern(v); s != string(v) {
			t.Fatalf("intern(%q) = %q", v, s)
		}
	}
	if len(i.interned) != maxInterned {
		t.Errorf("%d entries, want the bound %d", len(i.interned), maxInterned)
	}
	long := make([]byte, maxInternLen+1)
	i.interned = nil
	if s := i.intern(long); s != string(long) || len(i.interned) != 0 {
		t.Errorf("a value over %d bytes was kept", maxInternLen)
	}
	// A name past the stack buffer is canonicalised the slow way.
	longName := make([]byte, maxInternLen+5)
	for j := range longName {
		longName[j] = 'x'
	}
	if got := i.canonicalKey(longName); got != textproto.CanonicalMIMEHeaderKey(string(longName)) {
		t.Errorf("canonicalKey of a long name: %q", got)
	}
}
