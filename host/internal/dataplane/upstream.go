package dataplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/host/internal/upstream"
)

// UpstreamConfig converts a route's upstream to the proxy's configuration
// and validates it; errors name the field ("upstream.timeout: ...").
func UpstreamConfig(m *model.Upstream) (upstream.Config, error) {
	c := upstream.Config{Targets: m.Targets, Balance: m.Balance}
	var errs []error
	if m.Timeout != "" {
		d, err := time.ParseDuration(m.Timeout)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("upstream.timeout: %q is not a positive duration such as \"5s\"", m.Timeout))
		}
		c.Timeout = d
	}
	if err := upstream.Validate(c); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// upstreamFor returns the proxy for a route's upstream, reusing the one of
// the previous generation when the configuration is the same, so target
// health and idle connections survive unrelated route changes.
func (p *Plane) upstreamFor(m *model.Upstream) (*upstream.Upstream, string, error) {
	key, _ := json.Marshal(m)
	p.mu.Lock()
	u, ok := p.upstreams[string(key)]
	p.mu.Unlock()
	if ok {
		return u, string(key), nil
	}
	c, err := UpstreamConfig(m)
	if err != nil {
		return nil, "", err
	}
	if u, err = upstream.New(c, nil); err != nil {
		return nil, "", err
	}
	p.mu.Lock()
	p.upstreams[string(key)] = u
	p.mu.Unlock()
	return u, string(key), nil
}

// keepUpstreams forgets the proxies the new generation does not use and
// closes their idle connections (requests in flight are not affected).
func (p *Plane) keepUpstreams(used map[string]bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, u := range p.upstreams {
		if !used[k] {
			u.Close()
			delete(p.upstreams, k)
		}
	}
}

// proxy sends the request to the upstream and puts its response into ex.
// A failure becomes a 502/504 JSON response that on_response filters see
// (a circuit breaker counts it), not a chain failure.
func (rt *route) proxy(ctx context.Context, ex *engine.Exchange) {
	DropConfusable(ex.Request.Header)
	res, err := rt.up.Do(ctx, ex.Request)
	if err != nil {
		status, code, msg := http.StatusBadGateway, "upstream_unavailable", "no upstream target answered"
		var mb *http.MaxBytesError
		switch {
		case errors.As(err, &mb):
			// The client streamed more than the limit while it was sent on.
			status, code, msg = http.StatusRequestEntityTooLarge, "body_too_large", "the request body is over the size limit"
		case errors.Is(err, upstream.ErrTimeout):
			status, code, msg = http.StatusGatewayTimeout, "upstream_timeout", "the upstream did not answer in time"
		}
		rt.p.log.Warn("upstream failed", "route", rt.id, "request_id", ex.RequestID, "error", err)
		setErrorResponse(ex, status, code, msg)
		return
	}
	for k, v := range res.Header {
		ex.Header[k] = v
	}
	ex.Status = res.StatusCode
	if !ex.WantsBufferedResponse() {
		ex.BodyBuffered = false
		ex.Stream, ex.StreamLength = res.Body, res.ContentLength
		return
	}
	defer res.Body.Close()
	ex.Body.Reset()
	n, err := io.Copy(&ex.Body, io.LimitReader(res.Body, ex.MaxBody+1))
	switch {
	case err != nil:
		ex.Status = http.StatusBadGateway
		ex.Body.Reset()
	case n > ex.MaxBody:
		ex.TooLarge = true
	}
	ex.BodyBuffered = true
	ex.Header.Del("Content-Length")
}
