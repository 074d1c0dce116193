package admin

import (
	"net/http"
	"regexp"
)

// Helpers shared by the create-or-replace resources (routes, triggers,
// plugins, key sets).

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// pathID returns the {id} path value, or a 400 "invalid_name" naming the
// kind of resource ("route", "trigger").
func pathID(r *http.Request, kind string) (string, error) {
	id := r.PathValue("id")
	if !idRE.MatchString(id) {
		return "", newError(http.StatusBadRequest, "invalid_name",
			"%s id %q is invalid; use 1-128 characters of A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit", kind, id)
	}
	return id, nil
}

// checkBodyID refuses a body whose id differs from the URL's; an empty body
// id is fine (the URL's is used).
func checkBodyID(body, url string) error {
	if body != "" && body != url {
		return newError(http.StatusBadRequest, "id_mismatch",
			"the body's id %q differs from the URL's %q; drop it from the body or make them equal", body, url)
	}
	return nil
}

// writeStored answers a create-or-replace: 201 when created, else 200.
func writeStored(w http.ResponseWriter, created bool, v any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, v)
}

// writeList answers {"<key>": items}, with [] rather than null when empty.
func writeList[T any](w http.ResponseWriter, key string, items []T) {
	if items == nil {
		items = []T{}
	}
	writeJSON(w, http.StatusOK, map[string][]T{key: items})
}
