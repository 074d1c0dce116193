// Package bus embeds hostd's NATS server: one nats-server with JetStream,
// in the hostd process (optionally one node of a cluster, see Cluster), plus one in-process client connection that the rest
// of hostd publishes and subscribes through. It is the only package that
// imports nats-server and nats.go; no NATS type appears in its API.
//
// # Basics
//
//	b, err := bus.Start(ctx, bus.Config{StoreDir: filepath.Join(dataDir, "jetstream"), Logger: log})
//	if errors.Is(err, bus.ErrStoreLocked) { /* another hostd owns the data dir */ }
//	defer b.Shutdown(context.Background())
//	err = b.PublishEvent("plugin.uploaded", ev) // JSON on hostd.events.plugin.uploaded
//	unsub, err := b.Subscribe("hostd.events.>", func(subject string, data []byte) { … })
//
// Start follows the way NATS embeds itself in its own tests: NewServer,
// go Start, ReadyForConnections, then a client over nats.InProcessServer
// (no socket). Without Config.Listen the server opens no port at all
// (DontListen); with it, TCP clients must present Config.Token,
// Config.User/Password (the operator: every permission) or the scoped
// Config.Responder user. The in-process connection authenticates as a
// built-in user with a random password.
// The daemon owns signals (NoSigs), and server log lines go to Config.Logger
// with component=nats.
//
// JetStream is always on and stores its files in Config.StoreDir. By
// default every write is fsynced, so an acknowledged JetStream publish
// survives kill -9; Config.SyncInterval trades that for throughput.
//
// # Plugin connections
//
// Plugins never use hostd's connection. Plugins() sends (PublishMsg,
// RequestMsg) and subscribes core triggers (QueueSubscribeMsg) on two
// more in-process connections whose NATS users are denied the reserved
// subject spaces ($JS, $KV, $O, $SYS..., _INBOX, hostd) by the server
// itself (users.go): the sending one may subscribe only to its own reply
// inboxes (PluginInboxPrefix), the receiving one may publish only replies
// to what it received. Their passwords are random per Start. Plugins'
// methods also refuse reserved subjects themselves (ErrReserved).
//
// Publish, PublishEvent, Subscribe and Request are core NATS (at most once).
// Publish only buffers; it does not wait for the server.
//
// KeyValue and ObjectStore open (creating if needed) JetStream key-value
// and object store buckets: KV has Get, Put, Create, Update (compare and
// set on the revision), Delete, Keys and Watch; Objects has Put, Get and
// Delete for blobs of any size (stored in chunks).
//
// # Cluster
//
// With Config.Cluster.Listen set, the server opens a route port there and
// dials Cluster.Peers; the nodes form one NATS cluster (full mesh: a node
// also learns the others through the ones it reaches). Core subjects span
// the cluster: a message published on one node reaches subscribers on all,
// and a queue group with members on several nodes still gets each message
// once (nats-server picks one member; in our tests messages spread over all
// nodes). Every node needs a unique, stable Config.ServerName (its
// JetStream identity) and the same Cluster.Name.
//
// JetStream runs clustered: a meta group (all nodes, Raft) places streams,
// and each stream, KV bucket or object store has its own Raft group of
// "replicas" nodes (1..cluster size), which elects a leader that orders
// writes. A write is acknowledged once a majority of its replicas stored it.
// Start returns before any of this is up, since nodes start one by one;
// WaitJetStream waits until the JetStream API answers (a meta leader is
// elected). On loopback a three-node cluster answered about 1.2 s after
// the last Start.
//
// Route authentication: with Cluster.User and Cluster.Password set, the
// node refuses routes that do not present them and presents them itself
// (nats-server takes outgoing route credentials from the route URL, so they
// are added to each peer URL; routes discovered through gossip use them
// too). All nodes must share the pair. Routes are not encrypted (no TLS):
// keep the route port on a private network.
//
// Cluster caveats:
//
//   - A bucket with R replicas accepts writes only while a majority of its
//     replicas is up: with three nodes and R=3, one node may be down. The
//     meta group likewise needs a majority of all nodes to create buckets.
//     A node that was down catches up when it returns.
//   - Clean shutdowns hand leadership over quickly (a write right after
//     stopping a node took 2 to 250 ms in our tests). After a crash expect
//     nats-server's Raft election timeouts (4 to 9 s) before writes resume.
//   - Reads on a node whose copy is behind (just restarted, or a write on
//     another node a moment ago) may be stale. KV.Get and KV.Keys read a
//     nearby copy. KV.Watch takes the leader's last revision when it
//     starts and delivers InitialDone only after it. Objects.Get asks the
//     leader whether the object exists and waits for the local copy.
//   - nats-server never starts routing on a server without a client
//     listener (DontListen), so a cluster node without Config.Listen
//     listens on a random loopback client port, protected by Config.Token
//     or a random token, not advertised to clients and not reported by
//     ClientURL.
//   - The initial meta group expects as many nodes as there are route
//     URLs, at least two: the first start of a cluster needs two nodes up
//     even if a node lists only itself. Listing every node, itself
//     included, the same list everywhere, gives the exact size.
//
// # Caveats
//
// nats-server does not lock its store directory. Start does (flock on
// StoreDir/.hostd-bus.lock, released by Shutdown or by the kernel when the
// process dies), so a second Bus on the same StoreDir fails with
// ErrStoreLocked instead of corrupting the store. On platforms without
// flock (Windows) there is no such check.
//
// A nats-server Fatalf does not exit the process here: during Start it
// fails Start at once; later it is only logged at Error level, and Ready
// reports the consequences.
//
// The server keeps its own goroutines and memory even when idle (start and
// shutdown take a few milliseconds on an empty store).
package bus
