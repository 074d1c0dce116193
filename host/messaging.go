package host

import (
	"context"
	"errors"
	"net/http"

	"github.com/hostd/hostd/abi"
	"github.com/hostd/hostd/host/internal/bus"
)

// messenger implements engine.Messenger over the embedded NATS server, on
// the restricted plugin connection (bus.Plugins). Grants are checked by the
// engine before it gets here.
type messenger struct{ b *bus.Bus }

func (m messenger) Publish(subject string, hdr http.Header, data []byte) abi.Status {
	return busStatus(m.b.Plugins().PublishMsg(subject, bus.Header(hdr), data))
}

func (m messenger) Request(ctx context.Context, subject string, hdr http.Header, data []byte) (http.Header, []byte, abi.Status) {
	r, err := m.b.Plugins().RequestMsg(ctx, subject, bus.Header(hdr), data)
	if err != nil {
		return nil, nil, busStatus(err)
	}
	return http.Header(r.Header), r.Data, abi.StatusOK
}

// busStatus maps a bus error to the status a guest sees.
func busStatus(err error) abi.Status {
	switch {
	case err == nil:
		return abi.StatusOK
	case errors.Is(err, bus.ErrReserved):
		return abi.StatusDenied
	case errors.Is(err, bus.ErrNoResponders):
		return abi.StatusNotFound
	case errors.Is(err, bus.ErrTimeout):
		return abi.StatusTimeout
	case errors.Is(err, bus.ErrBadSubject):
		return abi.StatusInvalidArgument
	case errors.Is(err, bus.ErrTooLarge):
		return abi.StatusTooLarge
	}
	return abi.StatusUnavailable
}
