// Package replica shares a node's control-plane state with the other nodes
// of a cluster through JetStream: every record (plugin, route, trigger, key
// set) is a key of one replicated KV bucket, and plugin bytes are objects
// of one replicated object store, named by their sha256.
//
// # Flow
//
// A change made on a node is stored in its own registry first (checked
// there, as on a single node) and then published: bytes to the object store,
// then the record to the KV bucket (or a delete marker). Every node watches
// the bucket and applies what others published to its own registry, then
// the host rebuilds its routing table and triggers and swaps them in
// atomically.
//
// # Consistency
//
//   - Last writer wins per record: the KV bucket orders the writes of one
//     record; every node applies them in that order, so all nodes converge
//     on the last one. Two nodes changing the same record at the same moment
//     both succeed locally, and one of the changes wins.
//   - Changes of different records are applied in the order they were
//     published. A node serves a change shortly after it was written
//     elsewhere (about a millisecond between nodes on one machine, see
//     BENCHMARKS.md); there is no global snapshot.
//   - A node that was down catches up when it returns: the watch starts with
//     the newest value of every record, delete markers included.
//   - A node cut off from the cluster keeps serving what it has and accepts
//     admin writes; they are published when the cluster is reachable again
//     and win over changes made to the same records meanwhile.
//   - A record that exists on a node but was never in the bucket (state from
//     before the node joined) is published at the first sync.
package replica
