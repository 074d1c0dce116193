package host_test

import (
	"encoding/binary"
	"testing"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/testwasm"
)

// The attack that was found: a plugin adding huge header values until the
// host refused made it send hundreds of MiB of response headers. Its
// route config is "{}", which headerbomb reads as values of 0x7d7b =
// 32123 bytes added with add_header.
func TestPluginHeaderBudgetOverHTTP(t *testing.T) {
	const value = 0x7d7b
	for _, tc := range []struct {
		name  string
		bytes int
		want  int
	}{
		{"default", 0, 65536 / (value + 6)},
		{"configured", 100000, 100000 / (value + 6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th := startHost(t, func(c *host.Config) { c.Limits.MaxPluginHeaderBytes = tc.bytes })
			th.upload("hb", testwasm.Get("headerbomb"))
			th.route("hb", `{"path":"/hb","handler":{"plugin":"hb"}}`)
			r := th.get("/hb")
			expectStatus(t, r, 200)
			if n := len(r.header.Values("X-Bomb")); n != tc.want {
				t.Fatalf("the client received %d X-Bomb values, want %d", n, tc.want)
			}
			// The guest saw too_large (4) after as many ok calls.
			if len(r.body) != 16 || int(binary.LittleEndian.Uint32(r.body[8:])) != tc.want ||
				binary.LittleEndian.Uint32(r.body[12:]) != 4 {
				t.Fatalf("guest result %x", r.body)
			}
		})
	}
}

func TestHostCallLimitsMustNotBeNegative(t *testing.T) {
	for _, set := range []func(*host.Limits){
		func(l *host.Limits) { l.MaxPluginHeaders = -1 },
		func(l *host.Limits) { l.MaxPluginHeaderBytes = -1 },
		func(l *host.Limits) { l.MaxPluginURLBytes = -1 },
		func(l *host.Limits) { l.MaxPublishPerCall = -1 },
		func(l *host.Limits) { l.MaxPublishBytesPerCall = -1 },
	} {
		c := host.Config{}
		set(&c.Limits)
		if err := c.Validate(); err == nil {
			t.Errorf("%+v accepted", c.Limits)
		}
	}
	c, err := host.DecodeConfig([]byte(`{"limits":{"max_plugin_headers":5,"max_plugin_header_bytes":6,` +
		`"max_plugin_url_bytes":7,"max_publish_per_call":8,"max_publish_bytes_per_call":9}}`))
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Limits; l.MaxPluginHeaders != 5 || l.MaxPluginHeaderBytes != 6 || l.MaxPluginURLBytes != 7 ||
		l.MaxPublishPerCall != 8 || l.MaxPublishBytesPerCall != 9 {
		t.Fatalf("decoded %+v", l)
	}
}
