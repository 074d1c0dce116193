package dataplane

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/subject"
)

// Requester sends NATS requests for routes with a nats target. *bus.Bus
// implements it. RequestMsg must fail with an error wrapping
// bus.ErrNoResponders when nobody listens, bus.ErrTimeout when ctx's
// deadline passes first, and bus.ErrTooLarge when the message is over the
// server's maximum payload.
type Requester interface {
	RequestMsg(ctx context.Context, subject string, hdr bus.Header, data []byte) (*bus.Msg, error)
}

// Limits of a nats target's timeout.
const (
	DefaultNATSTimeout = 5 * time.Second
	MaxNATSTimeout     = 5 * time.Minute
)

// The NATS headers hostd adds to requests and reads from replies. Every
// header whose name starts with hostdPrefix (any case) belongs to hostd:
// clients cannot send them to responders and responders cannot send them
// to clients.
const (
	hostdPrefix      = "Hostd-"
	hdrMethod        = "Hostd-Method"
	hdrPath          = "Hostd-Path"
	hdrQuery         = "Hostd-Query"
	hdrHost          = "Hostd-Host"
	hdrRequestID     = "Hostd-Request-Id"
	hdrRemoteAddr    = "Hostd-Remote-Addr"
	hdrRoute         = "Hostd-Route"
	hdrStatus        = "Hostd-Status"
	codeNATSBadReply = "nats_bad_reply"
)

// natsTarget is a route's validated nats target.
type natsTarget struct {
	subject string
	timeout time.Duration
}

// ValidateNATS checks a route's nats target and returns the timeout it
// uses; errors name the field ("nats.subject: ...").
func ValidateNATS(m *model.NATSTarget) (time.Duration, error) {
	var errs []error
	switch {
	case m.Subject == "":
		errs = append(errs, errors.New(`nats.subject: required, e.g. "svc.users.get"`))
	case bus.ValidateSubject(m.Subject, false) != nil:
		errs = append(errs, fmt.Errorf("nats.subject: %q is not a NATS subject; use dot-separated tokens without spaces or the wildcards * and >", m.Subject))
	case subject.Reserved(m.Subject):
		errs = append(errs, fmt.Errorf("nats.subject: %q is in a reserved subject space (%s)", m.Subject, subject.ReservedSpaces))
	}
	timeout := DefaultNATSTimeout
	if m.Timeout != "" {
		d, err := time.ParseDuration(m.Timeout)
		if err != nil || d <= 0 || d > MaxNATSTimeout {
			errs = append(errs, fmt.Errorf("nats.timeout: %q is not a duration above 0 and at most %s, such as \"5s\"", m.Timeout, MaxNATSTimeout))
		}
		timeout = d
	}
	return timeout, errors.Join(errs...)
}

// natsTargetFor builds a route's nats target.
func (p *Plane) natsTargetFor(m *model.NATSTarget) (*natsTarget, error) {
	timeout, err := ValidateNATS(m)
	if err != nil {
		return nil, err
	}
	if p.cfg.NATS == nil {
		return nil, errors.New("the route has a nats target but the data plane has no NATS connection")
	}
	return &natsTarget{subject: m.Subject, timeout: timeout}, nil
}

// natsRequest sends the request (after the request filters ran) as a NATS
// request and puts the reply into ex. A request body that cannot be read is
// a chain failure; a NATS failure becomes a JSON error response that the
// on_response filters see (a circuit breaker counts it), as for upstreams.
func (rt *route) natsRequest(ctx context.Context, ex *engine.Exchange) *failure {
	body, st := ex.RequestBody()
	switch {
	case st == abi.StatusTooLarge:
		return tooLarge()
	case st != abi.StatusOK && ctx.Err() != nil:
		return clientClosed()
	case st != abi.StatusOK:
		return &failure{status: http.StatusBadRequest, code: "body_unreadable",
			message: "the request body could not be read"}
	}
	rctx, cancel := context.WithTimeout(ctx, rt.nats.timeout)
	defer cancel()
	msg, err := rt.p.cfg.NATS.RequestMsg(rctx, rt.nats.subject, natsRequestHeader(ex, rt.id), body)
	if err != nil {
		if ctx.Err() != nil {
			return clientClosed()
		}
		rt.natsFailed(ex, err)
		return nil
	}
	rt.natsReply(ex, msg)
	return nil
}

func clientClosed() *failure {
	return &failure{status: 499, code: "client_closed", message: "the client went away"}
}

// natsRequestHeader maps the HTTP request to NATS headers: every request
// header as is (except Hostd-*), plus hostd's own.
func natsRequestHeader(ex *engine.Exchange, routeID string) bus.Header {
	r := ex.Request
	h := make(bus.Header, len(r.Header)+8)
	for k, v := range r.Header {
		if !isHostdHeader(k) {
			h[k] = slices.Clone(v)
		}
	}
	DropConfusable(http.Header(h))
	h[hdrMethod] = []string{r.Method}
	h[hdrPath] = []string{r.URL.EscapedPath()}
	if r.URL.RawQuery != "" {
		h[hdrQuery] = []string{r.URL.RawQuery}
	}
	if r.Host != "" {
		h[hdrHost] = []string{r.Host}
	}
	h[hdrRequestID] = []string{ex.RequestID}
	h[hdrRemoteAddr] = []string{r.RemoteAddr}
	h[hdrRoute] = []string{routeID}
	return h
}

// natsFailed turns a failed request into a JSON error response.
func (rt *route) natsFailed(ex *engine.Exchange, err error) {
	status, code, msg := http.StatusBadGateway, "nats_error", "the NATS request failed"
	switch {
	case errors.Is(err, bus.ErrNoResponders):
		status, code, msg = http.StatusServiceUnavailable, "nats_no_responders", "no service answers this route's NATS subject"
	case errors.Is(err, bus.ErrTimeout):
		status, code, msg = http.StatusGatewayTimeout, "nats_timeout", "the NATS service did not reply in time"
	case errors.Is(err, bus.ErrTooLarge):
		status, code, msg = http.StatusRequestEntityTooLarge, "body_too_large", "the request is over the NATS maximum message size"
	}
	rt.p.log.Warn("nats request failed", "route", rt.id, "subject", rt.nats.subject, "request_id", ex.RequestID,
		"code", code, "error", err)
	setErrorResponse(ex, status, code, msg)
}

// natsReply puts a reply into ex: Hostd-Status is the status, the other
// headers except Hostd-* and framing headers are response headers, the data
// is the body.
func (rt *route) natsReply(ex *engine.Exchange, m *bus.Msg) {
	status, err := replyStatus(m.Header)
	msg := "the NATS service's reply has an invalid " + hdrStatus + " header; it must be one status code from 200 to 599"
	if err == nil && int64(len(m.Data)) > ex.MaxBody {
		err = fmt.Errorf("reply of %d bytes is over the %d-byte body limit", len(m.Data), ex.MaxBody)
		msg = "the NATS service's reply is over the body size limit"
	}
	if err != nil {
		rt.p.log.Warn("invalid nats reply", "route", rt.id, "subject", rt.nats.subject, "request_id", ex.RequestID,
			"error", err)
		setErrorResponse(ex, http.StatusBadGateway, codeNATSBadReply, msg)
		return
	}
	reply := http.Header{}
	for k, vs := range m.Header {
		if isHostdHeader(k) || framingHeaders[http.CanonicalHeaderKey(k)] {
			continue
		}
		for _, v := range vs {
			reply.Add(k, v)
		}
	}
	for k, v := range reply {
		ex.Header[k] = v
	}
	ex.Status = status
	ex.Body.Reset()
	if status != http.StatusNoContent && status != http.StatusNotModified {
		ex.Body.Write(m.Data)
	}
	ex.BodyBuffered = true
}

// framingHeaders are reply headers hostd does not copy: it frames the HTTP
// response itself.
var framingHeaders = map[string]bool{
	"Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Upgrade": true, "Trailer": true,
}

// replyStatus reads Hostd-Status: 200 when absent, else exactly one value of
// three digits from 200 to 599.
func replyStatus(h bus.Header) (int, error) {
	var vals []string
	for k, v := range h {
		if strings.EqualFold(k, hdrStatus) {
			vals = append(vals, v...)
		}
	}
	switch len(vals) {
	case 0:
		return http.StatusOK, nil
	case 1:
	default:
		return 0, fmt.Errorf("%s has %d values, want one", hdrStatus, len(vals))
	}
	s := strings.TrimSpace(vals[0])
	n, err := strconv.Atoi(s)
	if err != nil || len(s) != 3 || n < 200 || n > 599 {
		return 0, fmt.Errorf("%s %q is not a status code from 200 to 599", hdrStatus, vals[0])
	}
	return n, nil
}

func isHostdHeader(name string) bool {
	return len(name) >= len(hostdPrefix) && strings.EqualFold(name[:len(hostdPrefix)], hostdPrefix)
}
