package dataplane

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/engine"
	"github.com/hostd/hostd/host/internal/metrics"
	"github.com/hostd/hostd/host/internal/router"
	"github.com/hostd/hostd/host/internal/upstream"
	"golang.org/x/time/rate"
)

// route runs one route's chain: on_request of each element in order until
// one responds, then the target, then on_response in reverse.
//
// Instance lifetime: an instance is checked out only for its plugin's own
// callbacks. It goes back to the pool as soon as its on_request returns,
// unless the plugin exports on_response without enabling
// FeatureAnyInstanceResponse (ABI §5.2): only then is it held across the
// rest of the chain and the target. A request body that a plugin may read
// is read before any instance is taken (readBody).
type route struct {
	id    string
	p     *Plane
	chain []element // filters, then the handler (if the target is a plugin)
	// readsBody is set when a plugin of the chain imports get_body or
	// write_body.
	readsBody bool
	up        *upstream.Upstream
	nats      *natsTarget
	obs       *metrics.RouteObserver
	logl      *rate.Limiter // plugin failure warnings: a failing plugin must not flood the log
	// maxBody bounds request bodies: the route's max_body_bytes, at most
	// the plane's MaxBodyBytes.
	maxBody int64
}

// element is one binding of a route's chain.
type element struct {
	pool *engine.Pool
	// failOpen skips the filter when the plugin itself fails (a trap, its
	// deadline, its memory); capacity failures still fail the request.
	failOpen bool
}

// failure is why a request did not get the plugins' response.
type failure struct {
	status        int
	code, message string
	plugin        string
	version       int
	phase         string
	err           error
	retryAfter    time.Duration // sent as Retry-After when positive
}

// ServeHTTP serves a request dispatched by gorilla/mux.
func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.ServeRoute(w, r, router.Vars(r))
}

// ServeRoute serves a request with its route variables (router.VarsHandler).
func (rt *route) ServeRoute(w http.ResponseWriter, r *http.Request, vars map[string]string) {
	start := time.Now()
	if r.ContentLength > rt.maxBody {
		// Declared too large: answer before any plugin or target is used.
		f := tooLarge()
		rt.fail(w, r, f)
		if rt.obs != nil {
			rt.obs.Request(f.status, time.Since(start))
		}
		return
	}
	if rt.maxBody < rt.p.cfg.MaxBodyBytes && r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, rt.maxBody)
	}
	ex := engine.NewExchange(r, vars, requestID(w.Header()), rt.p.cfg.MaxBodyBytes)
	defer ex.Release()
	var buf [8]held
	insts := buf[:0]
	var f *failure
	if rt.readsBody {
		f = rt.readBody(w, r, ex)
	}
	if f == nil {
		insts, f = rt.run(r.Context(), ex, insts)
	}
	for _, h := range insts {
		if h.inst != nil {
			h.inst.Release()
		}
	}
	status := ex.Status
	if f != nil {
		status = f.status
		rt.fail(w, r, f)
	} else {
		writeResponse(w, ex)
	}
	if rt.obs != nil {
		rt.obs.Request(status, time.Since(start))
	}
}

// held is an element whose on_request ran and whose plugin exports
// on_response. inst is the instance kept for on_response, or nil when the
// instance went back to the pool and on_response may run on any.
type held struct {
	inst *engine.Instance
	el   element
	idx  int // the element's position in the chain
}

// run returns the elements held for on_response (appended to insts, so
// that the caller's array stays on its stack) and why the request failed,
// if it did.
func (rt *route) run(ctx context.Context, ex *engine.Exchange, insts []held) ([]held, *failure) {
	responded := false
	for idx, el := range rt.chain {
		inst, err := el.pool.Get(ctx)
		if err != nil {
			if f := rt.filterFailed(ctx, el, "acquire", err); f != nil {
				return insts, f
			}
			continue
		}
		ex.AtElement(idx)
		act, err := inst.OnRequest(ctx, ex)
		if err != nil {
			inst.Release()
			if f := rt.filterFailed(ctx, el, "on_request", err); f != nil {
				return insts, f
			}
			continue
		}
		switch {
		case inst.KeepForResponse():
			insts = append(insts, held{inst, el, idx})
		case inst.NeedsResponse():
			insts = append(insts, held{nil, el, idx})
			inst.Release()
		default:
			inst.Release()
		}
		if ex.TooLarge {
			return insts, tooLarge()
		}
		if act == abi.ActionRespond {
			responded = true
			break
		}
	}
	if !responded {
		switch {
		case rt.up != nil:
			rt.proxy(ctx, ex)
			responded = true
		case rt.nats != nil:
			if f := rt.natsRequest(ctx, ex); f != nil {
				return insts, f
			}
			responded = true
		}
	}
	if !responded {
		return insts, &failure{status: http.StatusInternalServerError, code: "no_response",
			message: "the route's handler finished without producing a response"}
	}
	for i := len(insts) - 1; i >= 0; i-- {
		if f := rt.onResponse(ctx, ex, insts[i]); f != nil {
			return insts, f
		}
	}
	if ex.TooLarge {
		return insts, tooLarge()
	}
	return insts, nil
}

// onResponse runs h's on_response on its kept instance, or on one taken
// from the pool for the call.
func (rt *route) onResponse(ctx context.Context, ex *engine.Exchange, h held) *failure {
	inst := h.inst
	if inst == nil {
		var err error
		if inst, err = h.el.pool.Get(ctx); err != nil {
			return rt.filterFailed(ctx, h.el, "acquire", err)
		}
		defer inst.Release()
	}
	ex.AtElement(h.idx)
	if err := inst.OnResponse(ctx, ex); err != nil {
		return rt.filterFailed(ctx, h.el, "on_response", err)
	}
	return nil
}

// filterFailed decides what a plugin failure does to the request: nil when
// the element fails open and the failure is the plugin's own (it is
// skipped, and logged), else the failure. Capacity failures (busy,
// quarantined, the host's budgets, a closed pool) never open a filter: a
// client that can exhaust a pool must not thereby get past it.
func (rt *route) filterFailed(ctx context.Context, el element, phase string, err error) *failure {
	f := pluginFailure(el.pool.Binding(), phase, err)
	if !el.failOpen || ctx.Err() != nil || !engine.IsPluginFault(err) {
		return f
	}
	if !rt.logl.Allow() {
		return nil
	}
	rt.p.log.Warn("filter failed open", "route", rt.id, "plugin", f.plugin, "version", f.version,
		"phase", phase, "error", err)
	return nil
}

func tooLarge() *failure {
	return &failure{status: http.StatusRequestEntityTooLarge, code: "body_too_large",
		message: "the request body is over the size limit"}
}

func pluginFailure(b engine.Binding, phase string, err error) *failure {
	f := &failure{plugin: b.Plugin, version: b.Version, phase: phase, err: err}
	switch {
	case errors.Is(err, engine.ErrTimeout):
		f.status, f.code, f.message = http.StatusGatewayTimeout, "plugin_timeout",
			"plugin "+b.Plugin+" did not finish in time"
	case errors.Is(err, engine.ErrBusy):
		f.status, f.code, f.message = http.StatusServiceUnavailable, "plugin_busy",
			"plugin "+b.Plugin+" is at its instance limit; retry shortly"
		f.retryAfter = time.Second
	case errors.Is(err, engine.ErrClosed):
		f.status, f.code, f.message = http.StatusServiceUnavailable, "not_ready",
			"hostd is stopping or replacing this route's plugins; retry shortly"
		f.retryAfter = time.Second
	case errors.Is(err, engine.ErrQuarantined):
		f.status, f.code, f.message = http.StatusServiceUnavailable, "plugin_quarantined",
			"plugin "+b.Plugin+" is quarantined after repeated failures; GET /v1/plugins/"+b.Plugin+" on the admin API says why"
		var q *engine.QuarantinedError
		if errors.As(err, &q) {
			f.retryAfter = q.RetryAfter
		}
	case errors.Is(err, engine.ErrOverloaded):
		f.status, f.code, f.message = http.StatusServiceUnavailable, "host_overloaded",
			"hostd has no plugin capacity left (instances or memory of all plugins); retry shortly"
		f.retryAfter = time.Second
	case errors.Is(err, engine.ErrCanceled):
		f.status, f.code, f.message = 499, "client_closed", "the client went away"
	default:
		f.status, f.code, f.message = http.StatusInternalServerError, "plugin_failed",
			"plugin "+b.Plugin+" failed while handling the request"
	}
	return f
}

func (rt *route) fail(w http.ResponseWriter, r *http.Request, f *failure) {
	if f.err != nil && f.status != 499 && f.code != "plugin_quarantined" && rt.logl.Allow() {
		rt.p.log.Warn("plugin failed", "route", rt.id, "plugin", f.plugin, "version", f.version,
			"phase", f.phase, "code", f.code, "request_id", requestID(w.Header()), "error", f.err)
	}
	if f.status == 499 {
		return // nobody is listening
	}
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
	}
	writeError(w, r, f.status, f.code, f.message)
}

func writeResponse(w http.ResponseWriter, ex *engine.Exchange) {
	h := w.Header()
	for k, v := range ex.Header {
		h[k] = v
	}
	if ex.Stream != nil && !ex.BodyBuffered {
		if ex.StreamLength >= 0 {
			h.Set("Content-Length", strconv.FormatInt(ex.StreamLength, 10))
		}
		w.WriteHeader(ex.Status)
		_, _ = io.Copy(w, ex.Stream)
		return
	}
	h["Content-Length"] = []string{strconv.Itoa(ex.Body.Len())} // canonical: Set would canonicalize again
	w.WriteHeader(ex.Status)
	_, _ = w.Write(ex.Body.Bytes())
}
