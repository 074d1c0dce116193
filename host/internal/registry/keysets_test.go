package registry

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hostd/hostd/host/internal/errs"
	"github.com/hostd/hostd/host/internal/model"
)

const (
	jwksA = `{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0"}]}`
	jwksB = `{"keys":[{"kty":"OKP","kid":"b","crv":"Ed25519","x":"AAAA"}]}`
)

func TestKeySetCRUD(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	r := openAt(t, path, newClock())
	if sets := must[map[string][]byte](t)(r.KeySets()); len(sets) != 0 {
		t.Fatalf("KeySets on a new file = %v", sets)
	}
	in := []byte(jwksA)
	if created, err := r.PutKeySet("idp", in); err != nil || !created {
		t.Fatalf("PutKeySet = %v, %v", created, err)
	}
	in[0] = 'X' // the registry must not keep the caller's slice
	if created, err := r.PutKeySet("other", []byte(jwksB)); err != nil || !created {
		t.Fatalf("PutKeySet other = %v, %v", created, err)
	}
	if got := string(must[[]byte](t)(r.KeySet("idp"))); got != jwksA {
		t.Fatalf("KeySet = %s", got)
	}
	if created, err := r.PutKeySet("idp", []byte(jwksB)); err != nil || created {
		t.Fatalf("replace PutKeySet = %v, %v", created, err)
	}

	// Durable: reopen the file.
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r = openAt(t, path, newClock())
	want := map[string][]byte{"idp": []byte(jwksB), "other": []byte(jwksB)}
	if got := must[map[string][]byte](t)(r.KeySets()); !reflect.DeepEqual(got, want) {
		t.Fatalf("KeySets = %q, want %q", got, want)
	}

	if err := r.DeleteKeySet("idp"); err != nil {
		t.Fatal(err)
	}
	_, err := r.KeySet("idp")
	wantCode(t, err, errs.NotFound, "keyset_not_found")
	wantCode(t, r.DeleteKeySet("idp"), errs.NotFound, "keyset_not_found")
	if got := must[map[string][]byte](t)(r.KeySets()); len(got) != 1 || got["other"] == nil {
		t.Fatalf("KeySets after delete = %q", got)
	}
	for _, err := range []error{func() error { _, err := r.PutKeySet("", nil); return err }(),
		func() error { _, err := r.KeySet(""); return err }(), r.DeleteKeySet("")} {
		wantCode(t, err, errs.Invalid, "invalid_argument")
	}
}

func TestDeleteKeySetInUse(t *testing.T) {
	r, _ := openTest(t)
	mustAdd(t, r, "jwt", "J1")
	mustAdd(t, r, "app", "A1")
	for _, name := range []string{"idp", "spare", "near"} {
		if _, err := r.PutKeySet(name, []byte(jwksA)); err != nil {
			t.Fatal(err)
		}
	}
	cfg := func(s string) json.RawMessage { return json.RawMessage(s) }
	for _, rt := range []model.Route{
		{ID: "r1", Path: "/a", Filters: []model.Binding{{Plugin: "jwt", KeySets: []string{"spare", "idp"}}},
			Handler: &model.Binding{Plugin: "app"}},
		{ID: "r2", Path: "/b", Handler: &model.Binding{Plugin: "app", KeySets: []string{"idp"}}},
		// The binding's grants count, not what its opaque config says.
		{ID: "r3", Path: "/c", Filters: []model.Binding{{Plugin: "jwt", Config: cfg(`{"keyset":"near","keysets":["near"]}`)}},
			Handler: &model.Binding{Plugin: "app", Config: cfg(`{"keyset":"idp"}`)}},
	} {
		if _, _, err := r.PutRoute(rt); err != nil {
			t.Fatal(err)
		}
	}
	e := wantCode(t, r.DeleteKeySet("idp"), errs.Conflict, "keyset_in_use")
	if !strings.Contains(e.Message, "r1, r2") || strings.Contains(e.Message, "r3") {
		t.Fatalf("message %q should name r1 and r2 only", e.Message)
	}
	if _, err := r.KeySet("idp"); err != nil {
		t.Fatalf("a refused delete removed the key set: %v", err)
	}
	wantCode(t, r.DeleteKeySet("spare"), errs.Conflict, "keyset_in_use")
	for _, name := range []string{"near"} {
		if err := r.DeleteKeySet(name); err != nil {
			t.Fatalf("DeleteKeySet(%q): %v", name, err)
		}
	}
	if err := r.DeleteRoute("r1"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, r.DeleteKeySet("idp"), errs.Conflict, "keyset_in_use")
	if err := r.DeleteRoute("r2"); err != nil {
		t.Fatal(err)
	}
	if err := r.DeleteKeySet("idp"); err != nil {
		t.Fatalf("DeleteKeySet after the routes went: %v", err)
	}
}
