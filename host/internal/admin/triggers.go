package admin

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/subject"
)

// deadLetterPrefix is trigger.DeadLetterPrefix, where default dead letters go.
const deadLetterPrefix = "hostd.deadletter."

// listTriggers handles GET /v1/triggers.
func (s *server) listTriggers(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.ctl.Triggers(r.Context())
	if err != nil {
		return err
	}
	writeList(w, "triggers", visibleTo(r, ts, redactTrigger))
	return nil
}

// getTrigger handles GET /v1/triggers/{id}.
func (s *server) getTrigger(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "trigger")
	if err != nil {
		return err
	}
	t, err := s.ctl.Trigger(r.Context(), id)
	if err != nil {
		return err
	}
	if !seesSecrets(r) {
		t = redactTrigger(t)
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

// putTrigger handles PUT /v1/triggers/{id}: create or replace.
func (s *server) putTrigger(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "trigger")
	if err != nil {
		return err
	}
	var t model.Trigger
	if err := s.decodeJSON(w, r, &t); err != nil {
		return err
	}
	if err := checkBodyID(t.ID, id); err != nil {
		return err
	}
	t.ID = id
	t.CreatedAt, t.UpdatedAt = time.Time{}, time.Time{}
	if err := normaliseTrigger(&t); err != nil {
		return err
	}
	stored, created, err := s.ctl.PutTrigger(r.Context(), t)
	if err != nil {
		return err
	}
	writeStored(w, created, stored)
	return nil
}

// deleteTrigger handles DELETE /v1/triggers/{id}.
func (s *server) deleteTrigger(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "trigger")
	if err != nil {
		return err
	}
	if err := s.ctl.DeleteTrigger(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func invalidTrigger(format string, args ...any) error {
	return newError(http.StatusBadRequest, "invalid_trigger", format, args...)
}

// normaliseTrigger checks what can be checked without the registry and the
// bus; option values (durations, limits) are checked by Control.
func normaliseTrigger(t *model.Trigger) error {
	if !subject.Valid(t.Subject, true) {
		return invalidTrigger(`"subject" %q is not a NATS subject; use dot-separated tokens such as "orders.created" (* and > are wildcards)`, t.Subject)
	}
	if subject.MayReachReserved(t.Subject) {
		return reservedSubject("trigger \"subject\" %q", t.Subject)
	}
	if t.Queue != "" && !subject.Valid(t.Queue, false) {
		return invalidTrigger(`"queue" %q is not a valid queue group name`, t.Queue)
	}
	b := t.Binding()
	if err := normaliseBinding(&b, "trigger"); err != nil {
		return err
	}
	t.Config = b.Config
	if js := t.JetStream; js != nil {
		if !streamNameRE.MatchString(js.Stream) {
			return invalidTrigger(`"jetstream.stream" %q is invalid; use 1-64 characters of A-Z, a-z, 0-9, '_' or '-'`, js.Stream)
		}
		if js.Durable != "" && !streamNameRE.MatchString(js.Durable) {
			return invalidTrigger(`"jetstream.durable" %q is invalid; use 1-64 characters of A-Z, a-z, 0-9, '_' or '-'`, js.Durable)
		}
		if js.DeadLetter != "" && !subject.Valid(js.DeadLetter, false) {
			return invalidTrigger(`"jetstream.dead_letter" %q is not a subject without wildcards`, js.DeadLetter)
		}
		// hostd publishes dead letters with every permission: whoever can
		// publish to the trigger's subject must not reach $KV... through it.
		if js.DeadLetter != "" && subject.Reserved(js.DeadLetter) && !strings.HasPrefix(js.DeadLetter, deadLetterPrefix) {
			return reservedSubject(`trigger "jetstream.dead_letter" %q (under hostd., only %q is allowed)`, js.DeadLetter, deadLetterPrefix+">")
		}
	}
	if bytes.Equal(t.Config, []byte("null")) {
		t.Config = nil
	}
	return nil
}

// cluster handles GET /v1/cluster.
func (s *server) cluster(w http.ResponseWriter, r *http.Request) error {
	st, err := s.ctl.Cluster(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}
