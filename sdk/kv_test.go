package sdk_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostd/hostd/sdk"
	"github.com/hostd/hostd/sdk/sdktest"
)

// inConfigure runs f during on_configure, where KV is callable.
func inConfigure(t *testing.T, h *sdktest.Host, f func()) {
	t.Helper()
	sdk.HandleConfigure(func([]byte) error { f(); return nil })
	h.CallConfigure()
}

func TestKVReadWrite(t *testing.T) {
	h := sdktest.New(t)
	inConfigure(t, h, func() {
		if _, _, found, err := sdk.KV.Get("a"); found || err != nil {
			t.Errorf("Get absent: found=%v err=%v", found, err)
		}
		rev1, err := sdk.KV.Put("a", []byte("1"), 0)
		if err != nil || rev1 == 0 {
			t.Fatalf("Put: %d %v", rev1, err)
		}
		v, rev, found, err := sdk.KV.Get("a")
		if string(v) != "1" || rev != rev1 || !found || err != nil {
			t.Errorf("Get = %q %d %v %v", v, rev, found, err)
		}
		if _, err := sdk.KV.CompareAndSwap("a", []byte("2"), 0, rev1+100); !errors.Is(err, sdk.ErrConflict) {
			t.Errorf("CAS stale rev: %v", err)
		}
		if _, err := sdk.KV.CompareAndSwap("a", []byte("2"), 0, 0); !errors.Is(err, sdk.ErrConflict) {
			t.Errorf("CAS absent-only on present key: %v", err)
		}
		rev2, err := sdk.KV.CompareAndSwap("a", []byte("2"), 0, rev1)
		if err != nil || rev2 <= rev1 {
			t.Errorf("CAS: %d %v", rev2, err)
		}
		if _, err := sdk.KV.CompareAndSwap("b", []byte("new"), 0, 0); err != nil {
			t.Errorf("CAS create: %v", err)
		}
		if found, err := sdk.KV.Delete("a"); !found || err != nil {
			t.Errorf("Delete: %v %v", found, err)
		}
		if found, err := sdk.KV.Delete("a"); found || err != nil {
			t.Errorf("Delete again: %v %v", found, err)
		}
	})
	if v, _, _ := h.KV.Get("b"); string(v) != "new" {
		t.Errorf("store has b=%q", v)
	}
}

func TestKVTTL(t *testing.T) {
	h := sdktest.New(t)
	now := time.Unix(1000, 0)
	h.Clock = func() time.Time { return now }
	inConfigure(t, h, func() {
		if _, err := sdk.KV.Put("s", []byte("x"), 1500*time.Microsecond); err != nil {
			t.Fatal(err)
		}
	})
	now = now.Add(1999 * time.Microsecond) // TTL rounds up to 2ms
	if _, _, found := h.KV.Get("s"); !found {
		t.Error("expired before its TTL")
	}
	now = now.Add(time.Microsecond)
	inConfigure(t, h, func() {
		if _, _, found, _ := sdk.KV.Get("s"); found {
			t.Error("found after its TTL")
		}
	})
}

func TestKVArguments(t *testing.T) {
	h := sdktest.New(t)
	h.KV.MaxValue = 10
	inConfigure(t, h, func() {
		long := strings.Repeat("k", 1025)
		checks := []struct {
			name string
			err  error
			want error
		}{
			{"empty key", second(sdk.KV.Put("", nil, 0)), sdk.ErrInvalidArgument},
			{"long key", second(sdk.KV.Put(long, nil, 0)), sdk.ErrTooLarge},
			{"negative ttl", second(sdk.KV.Put("k", nil, -time.Second)), sdk.ErrInvalidArgument},
			{"big value", second(sdk.KV.Put("k", make([]byte, 11), 0)), sdk.ErrTooLarge},
			{"get empty key", fourth(sdk.KV.Get("")), sdk.ErrInvalidArgument},
			{"delete long key", second(sdk.KV.Delete(long)), sdk.ErrTooLarge},
		}
		for _, c := range checks {
			if c.err != c.want {
				t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
			}
		}
	})
}

func second[A any](_ A, err error) error { return err }

func fourth[A, B, C any](_ A, _ B, _ C, err error) error { return err }

func TestKVWithheld(t *testing.T) {
	h := sdktest.New(t)
	h.KV.Withheld = true
	inConfigure(t, h, func() {
		if _, err := sdk.KV.Put("k", nil, 0); !errors.Is(err, sdk.ErrDenied) {
			t.Errorf("Put: %v", err)
		}
		if _, err := sdk.KV.Delete("k"); !errors.Is(err, sdk.ErrDenied) {
			t.Errorf("Delete: %v", err)
		}
	})
}

func TestKVList(t *testing.T) {
	h := sdktest.New(t)
	var want []string
	for _, k := range []string{"user/c", "user/a", "other", "user/b", "user/d", "users"} {
		h.KV.Set(k, []byte("v"), 0)
		if strings.HasPrefix(k, "user/") {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	inConfigure(t, h, func() {
		page, err := sdk.KV.ListPage("user/", "", 3)
		if err != nil || !slices.Equal(page, want[:3]) {
			t.Errorf("page 1 = %q %v", page, err)
		}
		page, _ = sdk.KV.ListPage("user/", page[len(page)-1], 3)
		if !slices.Equal(page, want[3:]) {
			t.Errorf("page 2 = %q", page)
		}
		var all []string
		if err := sdk.KV.Range("user/", func(k string) bool { all = append(all, k); return true }); err != nil {
			t.Error(err)
		}
		if !slices.Equal(all, want) {
			t.Errorf("Range = %q", all)
		}
		var first []string
		sdk.KV.Range("", func(k string) bool { first = append(first, k); return len(first) < 2 })
		if !slices.Equal(first, []string{"other", "user/a"}) {
			t.Errorf("stopped Range = %q", first)
		}
	})
}

// TestKVRangeManyPages lists more keys than one page and than the SDK's
// initial scratch buffer holds.
func TestKVRangeManyPages(t *testing.T) {
	h := sdktest.New(t)
	for i := range 250 {
		h.KV.Set(strings.Repeat("k", 20)+string(rune('a'+i/26))+string(rune('a'+i%26)), nil, 0)
	}
	n := 0
	inConfigure(t, h, func() {
		sdk.KV.Range("k", func(string) bool { n++; return true })
	})
	if n != 250 {
		t.Errorf("Range saw %d keys, want 250", n)
	}
}

func TestKVQuotaFull(t *testing.T) {
	h := sdktest.New(t)
	h.KV.MaxKeys = 2
	inConfigure(t, h, func() {
		for _, k := range []string{"a", "b"} {
			if _, err := sdk.KV.Put(k, []byte("v"), 0); err != nil {
				t.Fatalf("Put %s: %v", k, err)
			}
		}
		if _, err := sdk.KV.Put("c", []byte("v"), 0); !errors.Is(err, sdk.ErrTooLarge) {
			t.Errorf("Put over the quota: %v, want ErrTooLarge", err)
		}
		if _, err := sdk.KV.CompareAndSwap("c", []byte("v"), 0, 0); !errors.Is(err, sdk.ErrTooLarge) {
			t.Errorf("CompareAndSwap over the quota: %v, want ErrTooLarge", err)
		}
		if _, err := sdk.KV.Put("a", []byte("overwrite"), 0); err != nil {
			t.Errorf("overwrite at the quota: %v", err)
		}
		if found, err := sdk.KV.Delete("b"); !found || err != nil {
			t.Errorf("Delete at the quota: %v %v", found, err)
		}
		if _, err := sdk.KV.Put("c", []byte("v"), 0); err != nil {
			t.Errorf("Put after a delete: %v", err)
		}
	})
	if keys := h.KV.Keys(); len(keys) != 2 || keys[0] != "a" || keys[1] != "c" {
		t.Errorf("store holds %v", keys)
	}
}
