package host_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/internal/guestbuild"
)

// BenchmarkTriggerRequestReply measures NATS requests answered by a core
// trigger's plugin (orders.ping → "pong"), from parallel clients on the
// host's own connection. msgs/s is the throughput on one node.
func BenchmarkTriggerRequestReply(b *testing.B) {
	th := benchOrders(b)
	expectStatus(b, th.adminDo("PUT", "/v1/triggers/ping", []byte(`{"subject":"orders.ping","plugin":"orders","concurrency":8}`)), http.StatusCreated)
	bs := host.BusOf(th.h)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			r, err := bs.RequestMsg(ctx, "orders.ping", nil, nil)
			cancel()
			if err != nil || string(r.Data) != "pong" {
				b.Errorf("request: %v", err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkTriggerJetStream measures durable messages handled and
// acknowledged by a JetStream trigger: publish b.N (each acknowledged by
// the stream, fsynced), then wait until the trigger acked them all.
func BenchmarkTriggerJetStream(b *testing.B) {
	th := benchOrders(b)
	expectStatus(b, th.adminDo("PUT", "/v1/triggers/js", []byte(`{"subject":"orders.ping","plugin":"orders","concurrency":8,
		"jetstream":{"stream":"PING"}}`)), http.StatusCreated)
	bs := host.BusOf(th.h)
	b.ResetTimer()
	start := time.Now()
	ctx := context.Background()
	for range b.N {
		if _, err := bs.PublishDurable(ctx, "orders.ping", nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	re := regexp.MustCompile(`hostd_trigger_messages_total\{outcome="ack",trigger="js"\} (\d+)`)
	for {
		m := re.FindSubmatch(th.do("GET", th.admin+"/metrics", th.viewer, nil).body)
		if m != nil {
			if n, _ := strconv.Atoi(string(m[1])); n >= b.N {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

func benchOrders(b *testing.B) *testHost {
	th := startHost(b, nil)
	th.upload("orders", guestbuild.Build(b, "examples/orders"))
	return th
}
