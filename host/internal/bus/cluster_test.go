package bus

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// clusterWait bounds cluster formation and leader elections (raft election
// timeouts alone are 4-9 s in nats-server).
const clusterWait = 30 * time.Second

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// clusterConfigs returns configs of n nodes on 127.0.0.1 with route
// credentials, each listing the other nodes as peers. Node 0 lists itself
// too, which must be tolerated.
func clusterConfigs(t *testing.T, n int) []Config {
	t.Helper()
	ports := freePorts(t, n)
	urls := make([]string, n)
	for i, p := range ports {
		urls[i] = "nats://127.0.0.1:" + strconv.Itoa(p)
	}
	cfgs := make([]Config, n)
	for i := range cfgs {
		var peers []string
		for j, u := range urls {
			if j != i || i == 0 {
				peers = append(peers, u)
			}
		}
		cfgs[i] = Config{
			StoreDir:   t.TempDir(),
			ServerName: fmt.Sprintf("node-%d", i+1),
			Cluster: ClusterConfig{
				Listen: "127.0.0.1:" + strconv.Itoa(ports[i]),
				Peers:  peers,
				User:   "route",
				// Characters that need escaping in a URL's userinfo.
				Password: "s3cret/:@?#%",
			},
		}
	}
	return cfgs
}

// startCluster starts a Bus per config concurrently and waits until
// JetStream answers on all of them. Buses still running when the test
// ends are shut down.
func startCluster(t *testing.T, cfgs []Config) []*Bus {
	t.Helper()
	buses := make([]*Bus, len(cfgs))
	for i, c := range cfgs {
		b, err := Start(context.Background(), c)
		if err != nil {
			t.Fatalf("Start node %d: %v", i+1, err)
		}
		buses[i] = b
	}
	t.Cleanup(func() {
		for _, b := range buses {
			_ = b.Shutdown(context.Background())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), clusterWait)
	defer cancel()
	errs := make([]error, len(buses))
	var wg sync.WaitGroup
	for i, b := range buses {
		wg.Go(func() { errs[i] = b.WaitJetStream(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("WaitJetStream: %v", err)
	}
	return buses
}

// retry calls f until it succeeds or clusterWait passes; writes may fail
// while a leader is being elected.
func retry[T any](t *testing.T, what string, f func(ctx context.Context) (T, error)) T {
	t.Helper()
	deadline := time.Now().Add(clusterWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		v, err := f(ctx)
		cancel()
		if err == nil {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCluster runs one three-node cluster through replicated KV, object
// store, core queue groups and a node restart. The subtests share the
// cluster (forming it and electing leaders takes seconds) and run in order.
func TestCluster(t *testing.T) {
	cfgs := clusterConfigs(t, 3)
	for i, c := range cfgs {
		if got := c.ClusterSize(); got != 3 {
			t.Fatalf("node %d ClusterSize = %d, want 3", i+1, got)
		}
	}
	start := time.Now()
	buses := startCluster(t, cfgs)
	t.Logf("cluster formed, JetStream answering on all nodes after %s", time.Since(start))
	ctx, cancel := context.WithTimeout(context.Background(), 2*clusterWait)
	defer cancel()
	if got := buses[0].ClientURL(); got != "" {
		t.Errorf("ClientURL without Listen = %q, want empty (the loopback port is internal)", got)
	}
	kvs := make([]*KV, 3)
	for i, b := range buses {
		kv, err := b.KeyValue(ctx, "control", 3, 1)
		if err != nil {
			t.Fatalf("KeyValue on node %d: %v", i+1, err)
		}
		kvs[i] = kv
	}

	t.Run("watch sees put from another node", func(t *testing.T) {
		ch := watchEntries(t, kvs[2], "plugins.>")
		if init := initialEntries(t, ch); len(init) != 0 {
			t.Fatalf("initial values of empty bucket: %+v", init)
		}
		rev, err := kvs[0].Put(ctx, "plugins.p1", []byte("v1"))
		if err != nil {
			t.Fatalf("Put on node 1: %v", err)
		}
		if e := nextEntry(t, ch); e.Key != "plugins.p1" || string(e.Value) != "v1" || e.Revision != rev {
			t.Errorf("node 3 watch got %+v, want plugins.p1=v1 at %d", e, rev)
		}
	})

	t.Run("CAS conflict across nodes", func(t *testing.T) {
		rev, err := kvs[0].Create(ctx, "routes.r1", []byte("a"))
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if _, err := kvs[1].Create(ctx, "routes.r1", []byte("b")); !errors.Is(err, ErrKeyExists) {
			t.Errorf("Create on node 2 = %v, want ErrKeyExists", err)
		}
		if _, err := kvs[1].Update(ctx, "routes.r1", []byte("b"), rev); err != nil {
			t.Fatalf("Update on node 2: %v", err)
		}
		if _, err := kvs[2].Update(ctx, "routes.r1", []byte("c"), rev); !errors.Is(err, ErrRevisionMismatch) {
			t.Errorf("stale Update on node 3 = %v, want ErrRevisionMismatch", err)
		}
	})

	t.Run("object put on one node, get on another", func(t *testing.T) {
		o1, err := buses[0].ObjectStore(ctx, "wasm", 3)
		if err != nil {
			t.Fatalf("ObjectStore on node 1: %v", err)
		}
		o2, err := buses[1].ObjectStore(ctx, "wasm", 3)
		if err != nil {
			t.Fatalf("ObjectStore on node 2: %v", err)
		}
		blob := make([]byte, 4<<20+123)
		if _, err := rand.Read(blob); err != nil {
			t.Fatal(err)
		}
		if err := o1.Put(ctx, "plugin.wasm", blob); err != nil {
			t.Fatalf("Put: %v", err)
		}
		got, err := o2.Get(ctx, "plugin.wasm")
		if err != nil || !bytes.Equal(got, blob) {
			t.Fatalf("Get on node 2 = %d bytes, %v; want the %d bytes put", len(got), err, len(blob))
		}
	})

	t.Run("queue group across nodes", func(t *testing.T) {
		queueAcrossNodes(t, buses)
	})

	t.Run("route credentials are required", func(t *testing.T) {
		c := clusterConfigs(t, 1)[0]
		c.ServerName = "intruder"
		c.Cluster.Password = "wrong"
		c.Cluster.Peers = []string{"nats://" + cfgs[0].Cluster.Listen}
		routes := buses[0].ns.NumRoutes() // route connections (pooled)
		b, err := Start(ctx, c)
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		defer b.Shutdown(context.Background())
		wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if err := b.WaitJetStream(wctx); !errors.Is(err, ErrNotReady) {
			t.Errorf("WaitJetStream with wrong route password = %v, want ErrNotReady", err)
		}
		if n := buses[0].ns.NumRoutes(); n != routes {
			t.Errorf("node 1 has %d route connections, want still %d", n, routes)
		}
	})

	t.Run("restarted node sees changes made while down", func(t *testing.T) {
		// A watch on node 1 outlives node 3, which may have served it.
		w1 := watchEntries(t, kvs[0], "plugins.p1")
		initialEntries(t, w1)
		if err := buses[2].Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown node 3: %v", err)
		}
		down := time.Now()
		rev := retry(t, "Put with node 3 down", func(ctx context.Context) (uint64, error) {
			return kvs[0].Put(ctx, "plugins.p1", []byte("v2"))
		})
		t.Logf("put with node 3 down succeeded after %s", time.Since(down))
		select {
		case e := <-w1:
			if string(e.Value) != "v2" || e.Revision != rev {
				t.Errorf("node 1 watch got %+v, want v2 at %d", e, rev)
			}
			t.Logf("node 1 watch got the put after %s", time.Since(down))
		case <-time.After(clusterWait):
			t.Fatal("node 1 watch did not see the put made while node 3 was down")
		}
		restart := time.Now()
		b3, err := Start(ctx, cfgs[2])
		if err != nil {
			t.Fatalf("restart node 3: %v", err)
		}
		buses[2] = b3
		wctx, cancel := context.WithTimeout(context.Background(), clusterWait)
		defer cancel()
		if err := b3.WaitJetStream(wctx); err != nil {
			t.Fatalf("WaitJetStream after restart: %v", err)
		}
		kv3, err := b3.KeyValue(ctx, "control", 3, 1)
		if err != nil {
			t.Fatalf("KeyValue after restart: %v", err)
		}
		t.Logf("restarted node 3: JetStream and bucket after %s", time.Since(restart))
		init := initialEntries(t, watchEntries(t, kv3, ""))
		if e := init["plugins.p1"]; string(e.Value) != "v2" || e.Revision != rev {
			t.Errorf("initial plugins.p1 on restarted node = %+v, want v2 at %d", e, rev)
		}
	})
}

// queueAcrossNodes checks that a queue group spanning the cluster gets
// every message published on node 1 exactly once: first with a member on
// every node (NATS prefers the local member, so node 1 may get them all),
// then with members only on the other nodes (every message crosses a
// route).
func queueAcrossNodes(t *testing.T, buses []*Bus) {
	const n = 300
	for _, members := range [][]int{{0, 1, 2}, {1, 2}} {
		subject := fmt.Sprintf("work.q%d", len(members))
		counts := &queueCounts{perNode: make([]int, len(buses)), seen: make(map[string]bool)}
		for _, i := range members {
			unsub, err := buses[i].QueueSubscribe(subject, "workers", func(_ string, data []byte) {
				counts.add(t, i, string(data))
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = unsub() })
		}
		fences := make(chan int, len(buses))
		for i, b := range buses {
			unsub, err := b.Subscribe(subject+".fence", func(string, []byte) { fences <- i })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = unsub() })
		}
		// Node 1 must know every remote member and fence before publishing:
		// one queue interest per remote node with members, one local (if
		// any) and one fence interest per node.
		waitInterest(t, buses[0], subject, len(members))
		waitInterest(t, buses[0], subject+".fence", len(buses))
		for i := range n {
			if err := buses[0].Publish(subject, []byte(strconv.Itoa(i))); err != nil {
				t.Fatal(err)
			}
		}
		// Messages from node 1 to another node travel in order on one
		// route, so a node's fence arrives after its share of the work.
		if err := buses[0].Publish(subject+".fence", nil); err != nil {
			t.Fatal(err)
		}
		for range buses {
			select {
			case <-fences:
			case <-time.After(wait):
				t.Fatal("fence not received on every node")
			}
		}
		counts.await(t, n)
		t.Logf("members on nodes %v: messages per node %v", members, counts.snapshot())
	}
}

// waitInterest waits until b's server knows at least want subscriptions
// (local or via routes; a remote queue group counts once per node)
// matching subject.
func waitInterest(t *testing.T, b *Bus, subject string, want int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for b.ns.GlobalAccount().Interest(subject) < want {
		if time.Now().After(deadline) {
			t.Fatalf("interest in %s: %d, want %d", subject, b.ns.GlobalAccount().Interest(subject), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// queueCounts records which node got which message.
type queueCounts struct {
	mu      sync.Mutex
	perNode []int
	seen    map[string]bool
	dups    int
}

func (q *queueCounts) add(t *testing.T, node int, msg string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seen[msg] {
		q.dups++
	}
	q.seen[msg] = true
	q.perNode[node]++
}

func (q *queueCounts) snapshot() []int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]int(nil), q.perNode...)
}

// await waits until n distinct messages arrived and fails on duplicates.
func (q *queueCounts) await(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		q.mu.Lock()
		distinct, dups := len(q.seen), q.dups
		q.mu.Unlock()
		if dups > 0 {
			t.Fatalf("%d duplicate deliveries", dups)
		}
		if distinct == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d of %d messages", distinct, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
