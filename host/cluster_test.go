package host_test

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostd/hostd/host"
	"github.com/hostd/hostd/host/internal/bus"
	"github.com/hostd/hostd/host/internal/model"
	"github.com/hostd/hostd/internal/guestbuild"
	"github.com/hostd/hostd/internal/testwasm"
)

// cluster is n hostd nodes on loopback forming one NATS cluster.
type cluster struct {
	t      testing.TB
	nodes  []*testHost
	cfgs   []host.ClusterConfig
	mutate func(i int, cfg *host.Config)
}

// freePort returns a 127.0.0.1 address whose port is free now, for a node's
// cluster listener, which the node binds later (and binds again when a test
// restarts it). The port is taken below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range, 32768 by default): a port the
// kernel hands out for ":0" can be given to any outgoing connection of
// another test between the check and the bind, which made a cluster test fail
// with "address already in use" in CI. Below the range only another test's
// pick can collide, and picks are random.
func freePort(t testing.TB) string {
	t.Helper()
	low := ephemeralLow()
	for range 100 {
		port := 20000 + rand.IntN(max(low-20000, 1))
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatal("freePort: no free port below the ephemeral range after 100 tries")
	return ""
}

// ephemeralLow is the first port of the kernel's ephemeral range, 32768
// where it cannot be read (or is too low to leave room below it).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 21000 {
		return 32768
	}
	return n
}

func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	return startClusterWith(t, n, nil)
}

// startClusterWith is startCluster with mutate adjusting node i's config
// (its Cluster settings are kept for restarts).
func startClusterWith(t testing.TB, n int, mutate func(i int, cfg *host.Config)) *cluster {
	t.Helper()
	c := &cluster{t: t, mutate: mutate}
	var peers []string
	for i := range n {
		addr := freePort(t)
		peers = append(peers, "nats://"+addr)
		c.cfgs = append(c.cfgs, host.ClusterConfig{Listen: addr, NodeName: fmt.Sprintf("n%d", i+1)})
	}
	for i := range c.cfgs {
		c.cfgs[i].Peers = peers
	}
	c.nodes = make([]*testHost, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { // nodes start one by one in real life; here all at once
			defer wg.Done()
			c.nodes[i] = startHost(t, c.config(i))
		}()
	}
	wg.Wait()
	for i := range n {
		c.waitSynced(i)
	}
	return c
}

func (c *cluster) waitSynced(i int) {
	c.t.Helper()
	select {
	case <-host.ReplicaSynced(c.nodes[i].h):
	case <-time.After(60 * time.Second):
		c.t.Fatalf("node %d never synced with the cluster", i+1)
	}
}

// restart stops node i and starts it again on its data dir.
func (c *cluster) restart(i int) {
	c.t.Helper()
	c.nodes[i] = c.nodes[i].restart(c.config(i))
	c.waitSynced(i)
}

// config returns the mutation that makes a config node i's.
func (c *cluster) config(i int) func(*host.Config) {
	return func(cfg *host.Config) {
		cfg.Cluster = c.cfgs[i]
		if c.mutate != nil {
			c.mutate(i, cfg)
			c.cfgs[i] = cfg.Cluster
		}
	}
}

func within(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

func TestClusterSharesAndCatchesUp(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]

	n1.upload("hello", testwasm.Hello)
	n1.route("hello", `{"path":"/hello","handler":{"plugin":"hello"}}`)
	for i, n := range []*testHost{n2, n3} {
		d := within(t, time.Minute, fmt.Sprintf("/hello on node %d", i+2), func() bool { return n.get("/hello").status == 200 })
		t.Logf("node 1 write → serving on node %d: %s", i+2, d)
	}
	if r := n3.adminDo("GET", "/v1/plugins/hello", nil); r.status != 200 || !strings.Contains(string(r.body), `"active_version":1`) {
		t.Fatalf("node 3 plugin: %d %s", r.status, r.body)
	}

	// Node 3 misses a change while it is down, and catches up.
	n3.stop()
	n1.route("hello", `{"path":"/hello-v2","handler":{"plugin":"hello"}}`)
	n1.upload("deny", testwasm.Deny)
	within(t, time.Minute, "the new route on node 2", func() bool { return n2.get("/hello-v2").status == 200 })
	c.restart(2)
	n3 = c.nodes[2]
	within(t, time.Minute, "the new route on restarted node 3", func() bool { return n3.get("/hello-v2").status == 200 })
	expectStatus(t, n3.get("/hello"), http.StatusNotFound)
	expectStatus(t, n3.adminDo("GET", "/v1/plugins/deny", nil), http.StatusOK)

	// A write on node 3 reaches the others; deletes replicate too.
	n3.route("r3", `{"path":"/from3","handler":{"plugin":"deny"}}`)
	within(t, time.Minute, "node 3's route on node 1", func() bool { return n1.get("/from3").status == http.StatusForbidden })
	expectStatus(t, n1.adminDo("DELETE", "/v1/routes/r3", nil), http.StatusNoContent)
	within(t, time.Minute, "the delete on node 3", func() bool { return n3.get("/from3").status == http.StatusNotFound })
}

func TestClusterQueueTriggerSpreadsWithoutLossOrDuplicates(t *testing.T) {
	c := startCluster(t, 3)
	wasm := guestbuild.Build(t, "examples/orders")
	c.nodes[0].upload("orders", wasm)
	for _, n := range c.nodes {
		within(t, time.Minute, "the plugin on every node", func() bool {
			return n.adminDo("GET", "/v1/plugins/orders", nil).status == 200
		})
	}
	expectStatus(t, c.nodes[0].adminDo("PUT", "/v1/triggers/orders", []byte(
		`{"subject":"orders.created","plugin":"orders","grants":{"publish":["orders.stored"]}}`)), http.StatusCreated)

	stored := make(chan string, 1000)
	unsub, err := host.BusOf(c.nodes[0].h).QueueSubscribeMsg("orders.stored", "", func(m *bus.Msg) {
		stored <- m.Header["Order-Id"][0]
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()
	// Wait until the trigger runs on every node: probes from every node
	// until each node has handled one.
	within(t, time.Minute, "the trigger on every node", func() bool {
		for _, n := range c.nodes {
			_ = host.BusOf(n.h).PublishMsg("orders.created", nil, []byte(`{"id":"probe"}`))
		}
		time.Sleep(20 * time.Millisecond)
		for _, n := range c.nodes {
			if ackCount(t, n, "orders") == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(100 * time.Millisecond)
	drain(stored)
	before := make([]int, len(c.nodes))
	for i, n := range c.nodes {
		before[i] = ackCount(t, n, "orders")
	}

	const total = 300
	for i := range total {
		n := c.nodes[i%3] // publishers on every node
		if err := host.BusOf(n.h).PublishMsg("orders.created", nil, []byte(fmt.Sprintf(`{"id":"o%d"}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	deadline := time.After(30 * time.Second)
	for len(seen) < total {
		select {
		case id := <-stored:
			seen[id]++
		case <-deadline:
			t.Fatalf("stored %d of %d", len(seen), total)
		}
	}
	time.Sleep(200 * time.Millisecond)
	for len(stored) > 0 {
		seen[<-stored]++
	}
	for id, k := range seen {
		if k != 1 || !strings.HasPrefix(id, "o") {
			t.Fatalf("order %s stored %d times", id, k)
		}
	}
	for i, n := range c.nodes {
		k := ackCount(t, n, "orders") - before[i]
		t.Logf("node %d handled %d of the %d messages", i+1, k, total)
		if k == 0 {
			t.Errorf("node %d handled none: the queue group did not spread", i+1)
		}
	}
}

func TestClusterJetStreamTriggerLosesNothingWhenANodeDies(t *testing.T) {
	c := startCluster(t, 3)
	c.nodes[0].upload("orders", guestbuild.Build(t, "examples/orders"))
	for _, n := range c.nodes {
		within(t, time.Minute, "the plugin on every node", func() bool {
			return n.adminDo("GET", "/v1/plugins/orders", nil).status == 200
		})
	}
	expectStatus(t, c.nodes[0].adminDo("PUT", "/v1/triggers/js", []byte(
		`{"subject":"orders.created","plugin":"orders","grants":{"publish":["orders.stored"]},
		  "jetstream":{"stream":"ORDERS","max_deliver":10}}`)), http.StatusCreated)
	stored := make(chan string, 2000)
	unsub, err := host.BusOf(c.nodes[0].h).QueueSubscribeMsg("orders.stored", "", func(m *bus.Msg) {
		stored <- m.Header["Order-Id"][0]
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unsub()

	const total = 200
	for i := range total {
		if i == total/2 {
			c.nodes[2].stop() // a node dies half way
		}
		publishDurable(t, c.nodes[i%2], "orders.created", fmt.Sprintf(`{"id":"o%d"}`, i))
	}
	seen := map[string]bool{}
	deadline := time.After(60 * time.Second)
	for len(seen) < total {
		select {
		case id := <-stored:
			seen[id] = true
		case <-deadline:
			t.Fatalf("stored %d of %d", len(seen), total)
		}
	}
}

func drain(ch chan string) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func ackCount(t *testing.T, n *testHost, trigger string) int {
	t.Helper()
	body := string(n.do("GET", n.admin+"/metrics", n.viewer, nil).body)
	prefix := `hostd_trigger_messages_total{outcome="ack",trigger="` + trigger + `"} `
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			var k int
			fmt.Sscan(v, &k)
			return k
		}
	}
	return 0
}

// BenchmarkClusterPropagation measures the time from a route write on node
// 1's admin API (the call returned) to node 3 serving the route.
func BenchmarkClusterPropagation(b *testing.B) {
	benchPropagation(b, startCluster(b, 3))
}

// BenchmarkClusterPropagationAuthenticated is BenchmarkClusterPropagation
// with route TLS and sealed records.
func BenchmarkClusterPropagationAuthenticated(b *testing.B) {
	benchPropagation(b, startAuthCluster(b, 3, nil))
}

func benchPropagation(b *testing.B, c *cluster) {
	n1, n3 := c.nodes[0], c.nodes[2]
	n1.upload("hello", testwasm.Hello)
	within(b, 30*time.Second, "the plugin on node 3", func() bool {
		return n3.adminDo("GET", "/v1/plugins/hello", nil).status == 200
	})
	b.ResetTimer()
	var total time.Duration
	for i := range b.N {
		path := fmt.Sprintf("/p%d", i)
		n1.route("p", `{"path":"`+path+`","handler":{"plugin":"hello"}}`)
		start := time.Now()
		for n3.get(path).status != 200 {
			if time.Since(start) > 30*time.Second {
				b.Fatalf("route %s never served on node 3", path)
			}
			time.Sleep(200 * time.Microsecond)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "ms/propagation")
}

func TestClusterScopedKV(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	n1.upload("counter", guestbuild.Build(t, "examples/counter"))
	r := n1.adminDo("PUT", "/v1/plugins/counter/kv", []byte(`{"scope":"cluster"}`))
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"kv_scope":"cluster"`) {
		t.Fatalf("plugin %s", r.body)
	}
	n1.route("count", `{"path":"/count/{key}","handler":{"plugin":"counter"}}`)
	for _, n := range c.nodes {
		within(t, time.Minute, "the route on every node", func() bool { return n.get("/count/x").status == 200 })
	}
	for _, n := range []*testHost{n1, n2, n3, n1} {
		expectStatus(t, n.do("POST", n.base+"/count/a", "", nil), http.StatusOK)
	}
	for _, n := range c.nodes {
		if got := string(n.get("/count/a").body); !strings.Contains(got, `"count":4`) {
			t.Fatalf("count on a node: %s", got)
		}
	}
	expectStatus(t, n2.adminDo("PUT", "/v1/plugins/counter/kv", []byte(`{"scope":"everywhere"}`)), http.StatusBadRequest)
}

// TestClusterNodeCutOffKeepsServing: a node that loses the cluster keeps
// serving, accepts admin writes, and shares them when the cluster is back.
func TestClusterNodeCutOffKeepsServing(t *testing.T) {
	cutOffKeepsServing(t, startCluster(t, 3))
}

// TestClusterNodeCutOffKeepsServingAuthenticated is the same with route
// TLS and sealed, stamped records; node 1 also changes a record that
// exists everywhere while it is cut off, and that change wins.
func TestClusterNodeCutOffKeepsServingAuthenticated(t *testing.T) {
	cutOffKeepsServing(t, startAuthCluster(t, 3, nil))
}

func cutOffKeepsServing(t *testing.T, c *cluster) {
	n1 := c.nodes[0]
	n1.upload("hello", testwasm.Hello)
	n1.route("hello", `{"path":"/hello","handler":{"plugin":"hello"}}`)
	within(t, time.Minute, "/hello on node 3", func() bool { return c.nodes[2].get("/hello").status == 200 })

	c.nodes[1].stop()
	c.nodes[2].stop() // node 1 is alone: no JetStream quorum
	expectStatus(t, n1.get("/hello"), http.StatusOK)
	n1.route("solo", `{"path":"/solo","handler":{"plugin":"hello"}}`)
	expectStatus(t, n1.get("/solo"), http.StatusOK)
	n1.route("hello", `{"path":"/hello2","handler":{"plugin":"hello"}}`)
	expectStatus(t, n1.get("/hello2"), http.StatusOK)
	if st := clusterStatus(t, n1); !st.Enabled || st.Node != "n1" || st.Nodes != 3 || len(st.Unpublished) == 0 {
		t.Fatalf("status while cut off: %+v", st)
	}

	c.restart(1)
	c.restart(2)
	for i, n := range c.nodes[1:] {
		within(t, time.Minute, fmt.Sprintf("/solo on node %d", i+2), func() bool { return n.get("/solo").status == 200 })
		within(t, time.Minute, fmt.Sprintf("/hello2 on node %d", i+2), func() bool { return n.get("/hello2").status == 200 })
		expectStatus(t, n.get("/hello"), http.StatusNotFound)
	}
	// Node 1 may have timed out on a write the cluster committed later; it
	// keeps retrying (an idempotent put) until it hears back.
	within(t, time.Minute, "node 1 to have published everything", func() bool {
		st := clusterStatus(t, n1)
		return st.Synced && len(st.Unpublished) == 0
	})
}

func clusterStatus(t *testing.T, n *testHost) model.ClusterStatus {
	t.Helper()
	var st model.ClusterStatus
	n.do("GET", n.admin+"/v1/cluster", n.viewer, nil).json(t, &st)
	return st
}
