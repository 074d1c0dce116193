package bus

import (
	"context"
	"fmt"

	"github.com/hostd/hostd/host/internal/subject"
)

// Plugins sends and receives plugin messages on the restricted plugin
// connections (see users.go): whatever hostd's own checks let through, the
// server refuses a reserved subject to them. Each method also refuses
// reserved subjects itself, with an error wrapping ErrReserved.
type Plugins struct{ b *Bus }

// Plugins returns the plugin side of b.
func (b *Bus) Plugins() Plugins { return Plugins{b} }

// PublishMsg is Bus.PublishMsg as the plugin send user.
func (p Plugins) PublishMsg(subj string, hdr Header, data []byte) error {
	if subject.Reserved(subj) {
		return reserved(subj)
	}
	return p.b.publishMsg(p.b.send, subj, hdr, data)
}

// RequestMsg is Bus.RequestMsg as the plugin send user; the reply comes to
// an inbox under PluginInboxPrefix.
func (p Plugins) RequestMsg(ctx context.Context, subj string, hdr Header, data []byte) (*Msg, error) {
	if subject.Reserved(subj) {
		return nil, reserved(subj)
	}
	return p.b.requestMsg(ctx, p.b.send, subj, hdr, data)
}

// QueueSubscribeMsg is Bus.QueueSubscribeMsg as the plugin receive user.
// Msg.Respond answers on the same connection, which the server lets
// publish replies to what it received and nothing else.
func (p Plugins) QueueSubscribeMsg(pattern, queue string, fn MsgHandler) (unsubscribe func() error, err error) {
	if subject.MayReachReserved(pattern) {
		return nil, reserved(pattern)
	}
	return p.b.queueSubscribeMsg(p.b.recv, pattern, queue, fn)
}

func reserved(s string) error {
	return fmt.Errorf("%w: %q (the spaces %s are hostd's)", ErrReserved, s, subject.ReservedSpaces)
}
