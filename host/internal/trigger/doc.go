// Package trigger runs plugins for NATS messages: one runner per trigger
// subscribes (core NATS, in a queue group) or consumes (a JetStream durable
// consumer) and calls the plugin's on_message on pooled instances, at most
// Concurrency at a time per node.
//
// Delivery: core triggers are at most once (a message that arrives while
// the node is down, or that the plugin fails on, is gone). JetStream
// triggers are at least once: a message is acknowledged only after
// on_message returned ok (or the plugin acknowledged it), is redelivered
// after a nak, a failure, a timeout or AckWait, and after MaxDeliver
// deliveries is published on the dead-letter subject (durably, when a
// stream captures it) and terminated. The server's own MaxDeliver is
// unlimited: the runner decides, so no message is dropped without a dead
// letter.
//
// A slow or failing plugin holds only its own trigger's slots: each
// trigger has its own subscription, semaphore and instance pool.
package trigger
