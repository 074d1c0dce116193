package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// leaderLastMsg asks the leader of stream for the last message on
// subject through the JetStream API's (non-direct) message get, which
// only the stream leader answers; direct gets, which nats.go prefers, may
// be answered by a replica that is still catching up.
func (b *Bus) leaderLastMsg(ctx context.Context, stream, subject string) (data []byte, found bool, err error) {
	req, err := json.Marshal(struct {
		LastBySubj string `json:"last_by_subj"`
	}{subject})
	if err != nil {
		return nil, false, fmt.Errorf("bus: msg get %s: %w", stream, err)
	}
	m, err := b.nc.RequestWithContext(ctx, "$JS.API.STREAM.MSG.GET."+stream, req)
	if err != nil {
		return nil, false, b.wrap("msg get "+stream, err)
	}
	var resp struct {
		Error *struct {
			Code        int    `json:"code"`
			ErrCode     int    `json:"err_code"`
			Description string `json:"description"`
		} `json:"error"`
		Message *struct {
			Data []byte `json:"data"` // base64 in JSON
		} `json:"message"`
	}
	if err := json.Unmarshal(m.Data, &resp); err != nil {
		return nil, false, fmt.Errorf("bus: msg get %s: %w", stream, err)
	}
	switch {
	case resp.Error != nil && jetstream.ErrorCode(resp.Error.ErrCode) == jetstream.JSErrCodeMessageNotFound:
		return nil, false, nil
	case resp.Error != nil:
		return nil, false, fmt.Errorf("bus: msg get %s: %s (%d/%d)", stream,
			resp.Error.Description, resp.Error.Code, resp.Error.ErrCode)
	case resp.Message == nil:
		return nil, false, fmt.Errorf("bus: msg get %s: empty response", stream)
	}
	return resp.Message.Data, true, nil
}
