package keyset

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestVerifyWindowIsExact: for tokens with and without nbf, whole and
// fractional times, with and without leeway, Verify succeeds at an instant
// exactly when the window VerifyWindow returned contains it — probed at
// each edge and a nanosecond to either side.
func TestVerifyWindowIsExact(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	exp := float64(testNow.Add(time.Hour).Unix())
	nbf := float64(testNow.Add(-time.Minute).Unix())
	cases := []struct {
		name     string
		exp, nbf any // nil: absent
		leeway   time.Duration
	}{
		{"exp only", exp, nil, 0},
		{"exp and nbf", exp, nbf, 0},
		{"leeway", exp, nbf, 90 * time.Second},
		{"fractional", exp + 0.75, nbf + 0.25, 1500 * time.Millisecond},
		{"nbf of zero counts as absent", exp, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := sign(t, jwt.SigningMethodHS256, k.hs32, "hs32", claims(func(c jwt.MapClaims) {
				c["exp"] = tc.exp
				if tc.nbf != nil {
					c["nbf"] = tc.nbf
				}
			}))
			p := policy
			p.Leeway = tc.leeway
			want, w, err := s.VerifyWindow(tok, p, testNow)
			if err != nil {
				t.Fatalf("VerifyWindow: %v", err)
			}
			if !w.HasNotAfter || w.HasNotBefore != (tc.nbf != nil && tc.nbf != 0) {
				t.Fatalf("window %+v", w)
			}
			probes := []time.Time{testNow, w.NotAfter, w.NotAfter.Add(-1), w.NotAfter.Add(1)}
			if w.HasNotBefore {
				probes = append(probes, w.NotBefore, w.NotBefore.Add(-1), w.NotBefore.Add(1))
			}
			for _, at := range probes {
				got, err := s.Verify(tok, p, at)
				if ok := err == nil; ok != w.Contains(at) {
					t.Errorf("at %s: Verify err %v, window %+v contains = %v", at.Format(time.RFC3339Nano), err, w, w.Contains(at))
				}
				if err == nil && string(got) != string(want) {
					t.Errorf("at %s: claims %s, want %s", at, got, want)
				}
			}
			if _, err := s.Verify(tok, p, w.NotAfter); !errors.Is(err, ErrExpired) {
				t.Errorf("at exp + leeway: %v, want ErrExpired", err)
			}
		})
	}
}

// TestVerifyWindowWithoutExp: a token without exp, accepted only with
// AllowMissingExp, has no upper bound.
func TestVerifyWindowWithoutExp(t *testing.T) {
	k := testKeys(t)
	s := fullSet(t)
	tok := sign(t, jwt.SigningMethodHS256, k.hs32, "hs32", claims(func(c jwt.MapClaims) { delete(c, "exp") }))
	if _, _, err := s.VerifyWindow(tok, policy, testNow); !errors.Is(err, ErrMissingClaim) {
		t.Fatalf("without AllowMissingExp: %v", err)
	}
	p := policy
	p.AllowMissingExp = true
	_, w, err := s.VerifyWindow(tok, p, testNow)
	if err != nil || w.HasNotAfter || w.HasNotBefore || !w.Contains(testNow.AddDate(100, 0, 0)) {
		t.Fatalf("window %+v, err %v", w, err)
	}
}
