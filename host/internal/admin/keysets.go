package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/hostd/hostd/host/internal/keyset"
)

// keySetView is a key set as the API shows it: public material only.
type keySetView struct {
	Name string          `json:"name"`
	Keys json.RawMessage `json:"keys"`
}

// keySetName returns the {name} path value, or a 400 "invalid_name".
// Key set names follow the plugin name rules.
func keySetName(r *http.Request) (string, error) {
	name := r.PathValue("name")
	if !pluginNameRE.MatchString(name) {
		return "", newError(http.StatusBadRequest, "invalid_name",
			"key set name %q is invalid; use 1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit", name)
	}
	return name, nil
}

// publicView parses a stored document and returns its public view.
func publicView(name string, jwks []byte) (keySetView, error) {
	set, err := keyset.Parse(jwks)
	if err != nil {
		return keySetView{}, fmt.Errorf("admin: stored key set %q: %w", name, err)
	}
	var pub struct {
		Keys json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(set.Public(), &pub); err != nil {
		return keySetView{}, fmt.Errorf("admin: key set %q: %w", name, err)
	}
	return keySetView{Name: name, Keys: pub.Keys}, nil
}

// putKeySet handles PUT /v1/keysets/{name}: the body is a JWKS document.
func (s *server) putKeySet(w http.ResponseWriter, r *http.Request) error {
	name, err := keySetName(r)
	if err != nil {
		return err
	}
	body, err := readKeySet(w, r)
	if err != nil {
		return err
	}
	if _, err := keyset.Parse(body); err != nil {
		return invalidKeySet(err)
	}
	created, err := s.ctl.PutKeySet(r.Context(), name, body)
	if err != nil {
		return err
	}
	view, err := publicView(name, body)
	if err != nil {
		return err
	}
	writeStored(w, created, view)
	return nil
}

// readKeySet reads a JWKS body of at most keyset.MaxDocumentBytes.
func readKeySet(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	tooLarge := newError(http.StatusRequestEntityTooLarge, "too_large",
		"the key set is larger than the limit of %d bytes", keyset.MaxDocumentBytes)
	if r.ContentLength > keyset.MaxDocumentBytes {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, keyset.MaxDocumentBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge
		}
		return nil, newError(http.StatusBadRequest, "bad_body", "could not read the request body: %v", err)
	}
	return body, nil
}

// invalidKeySet is the 400 for a document keyset.Parse refused, listing
// every problem.
func invalidKeySet(err error) error {
	var pe *keyset.ParseError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = strings.Join(pe.Problems, "; ")
	}
	return newError(http.StatusBadRequest, "invalid_keyset",
		`the body is not a usable JWKS document {"keys": [...]}: %s`, msg)
}

// listKeySets handles GET /v1/keysets.
func (s *server) listKeySets(w http.ResponseWriter, r *http.Request) error {
	sets, err := s.ctl.KeySets(r.Context())
	if err != nil {
		return err
	}
	names := make([]string, 0, len(sets))
	for name := range sets {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]keySetView, 0, len(names))
	for _, name := range names {
		v, err := publicView(name, sets[name])
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string][]keySetView{"keysets": out})
	return nil
}

// getKeySet handles GET /v1/keysets/{name}.
func (s *server) getKeySet(w http.ResponseWriter, r *http.Request) error {
	name, err := keySetName(r)
	if err != nil {
		return err
	}
	jwks, err := s.ctl.KeySet(r.Context(), name)
	if err != nil {
		return err
	}
	v, err := publicView(name, jwks)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// deleteKeySet handles DELETE /v1/keysets/{name}.
func (s *server) deleteKeySet(w http.ResponseWriter, r *http.Request) error {
	name, err := keySetName(r)
	if err != nil {
		return err
	}
	if err := s.ctl.DeleteKeySet(r.Context(), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
