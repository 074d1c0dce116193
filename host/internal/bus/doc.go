// Package bus embeds hostd's NATS server: one nats-server with JetStream,
// in the hostd process, plus one in-process client connection that the rest
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
// (DontListen); with it, TCP clients must present Config.Token or
// Config.User/Password, and the in-process connection presents the same.
// The daemon owns signals (NoSigs), and server log lines go to Config.Logger
// with component=nats.
//
// JetStream is always on and stores its files in Config.StoreDir. By
// default every write is fsynced, so an acknowledged JetStream publish
// survives kill -9; Config.SyncInterval trades that for throughput.
//
// Publish, PublishEvent, Subscribe and Request are core NATS (at most once).
// Publish only buffers; it does not wait for the server.
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
