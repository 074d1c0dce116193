package admin

import "net/http"

// listBreakers serves GET /v1/breakers: every circuit breaker plugins have
// named, with its state and the counts of its current window.
func (s *server) listBreakers(w http.ResponseWriter, r *http.Request) error {
	list, err := s.ctl.Breakers(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"breakers": list})
	return nil
}
