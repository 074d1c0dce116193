package abi

import "strconv"

// Status is the result of a host function that can fail for a reason other
// than guest misuse. Values never change within a major version.
type Status uint32

const (
	// StatusOK means the call did what was asked.
	StatusOK Status = 0
	// StatusNotFound means the key, header or variable does not exist.
	StatusNotFound Status = 1
	// StatusConflict means a compare-and-swap saw another revision.
	StatusConflict Status = 2
	// StatusInvalidArgument means an argument is outside its documented
	// range (empty key, status code out of range, bad header name).
	StatusInvalidArgument Status = 3
	// StatusTooLarge means a value is over a host limit (key, value, body).
	StatusTooLarge Status = 4
	// StatusDenied means the plugin is not granted what it asked for.
	StatusDenied Status = 5
	// StatusUnavailable means a host service is down or overloaded; the call
	// may succeed later.
	StatusUnavailable Status = 6
	// StatusTimeout means the host gave up waiting (msg_request).
	StatusTimeout Status = 7
	// StatusUnsupported means the call needs a feature that is not enabled
	// or not offered by this host.
	StatusUnsupported Status = 8
	// StatusInternal means the host failed; the message is in the host log.
	StatusInternal Status = 9
)

var statusNames = [...]string{
	"ok", "not_found", "conflict", "invalid_argument", "too_large",
	"denied", "unavailable", "timeout", "unsupported", "internal",
}

// String returns the snake_case name of s as used in SPEC.md.
func (s Status) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "status(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// Action is the result of on_request.
type Action uint32

const (
	// ActionContinue passes the request to the next element of the chain.
	ActionContinue Action = 0
	// ActionRespond ends the chain: the response the plugin built (status,
	// headers, body) is sent. Filters that already ran still get
	// on_response. A handler always returns it.
	ActionRespond Action = 1
)

// String returns "continue" or "respond".
func (a Action) String() string {
	switch a {
	case ActionContinue:
		return "continue"
	case ActionRespond:
		return "respond"
	}
	return "action(" + strconv.FormatUint(uint64(a), 10) + ")"
}

// HeaderKind selects the header map or body a function works on.
type HeaderKind uint32

const (
	// HeaderKindRequest selects the request being served.
	HeaderKindRequest HeaderKind = 0
	// HeaderKindResponse selects the response being built or returned.
	HeaderKindResponse HeaderKind = 1
	// HeaderKindMessage selects the message being handled by on_message
	// (read only).
	HeaderKindMessage HeaderKind = 2
	// HeaderKindReply selects the reply to the last successful msg_request
	// of the running callback (read only).
	HeaderKindReply HeaderKind = 3
)

// String returns "request", "response", "message" or "reply".
func (k HeaderKind) String() string {
	switch k {
	case HeaderKindRequest:
		return "request"
	case HeaderKindResponse:
		return "response"
	case HeaderKindMessage:
		return "message"
	case HeaderKindReply:
		return "reply"
	}
	return "kind(" + strconv.FormatUint(uint64(k), 10) + ")"
}

// LogLevel is the severity passed to log and log_enabled. Debug is not the
// zero value, so an uninitialised level logs at info.
type LogLevel int32

const (
	// LogLevelDebug is detail for developers, usually not written.
	LogLevelDebug LogLevel = -1
	// LogLevelInfo is for normal events.
	LogLevelInfo LogLevel = 0
	// LogLevelWarn is for something unexpected that the plugin handled.
	LogLevelWarn LogLevel = 1
	// LogLevelError is for something that failed.
	LogLevelError LogLevel = 2
)

// String returns "debug", "info", "warn" or "error".
func (l LogLevel) String() string {
	switch l {
	case LogLevelDebug:
		return "debug"
	case LogLevelInfo:
		return "info"
	case LogLevelWarn:
		return "warn"
	case LogLevelError:
		return "error"
	}
	return "level(" + strconv.FormatInt(int64(l), 10) + ")"
}

// Disposition is how msg_settle settles the message being handled.
type Disposition uint32

const (
	// DispositionAck: the message is processed; it is not delivered again.
	DispositionAck Disposition = 0
	// DispositionNak: deliver the message again, after $delay_ms.
	DispositionNak Disposition = 1
	// DispositionTerm: never deliver the message again, and do not
	// dead-letter it.
	DispositionTerm Disposition = 2
	// DispositionInProgress: still working; restart the ack timer. The
	// message stays unsettled.
	DispositionInProgress Disposition = 3
)

// String returns "ack", "nak", "term" or "in_progress".
func (d Disposition) String() string {
	switch d {
	case DispositionAck:
		return "ack"
	case DispositionNak:
		return "nak"
	case DispositionTerm:
		return "term"
	case DispositionInProgress:
		return "in_progress"
	}
	return "disposition(" + strconv.FormatUint(uint64(d), 10) + ")"
}
