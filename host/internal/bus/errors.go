package bus

import "errors"

var (
	// ErrStoreLocked is wrapped by the error Start returns when another Bus
	// (in this process or another one) already uses Config.StoreDir.
	ErrStoreLocked = errors.New("bus: jetstream store directory is in use")

	// ErrNotReady is wrapped by the error Start returns when the embedded
	// server did not become ready within Config.ReadyTimeout (or before the
	// context ended), and by the error Ready returns while the bus cannot
	// serve.
	ErrNotReady = errors.New("bus: not ready")

	// ErrClosed is returned by the methods of a Bus after Shutdown.
	ErrClosed = errors.New("bus: closed")

	// ErrBadSubject is wrapped by the errors Publish, PublishEvent,
	// Subscribe and Request return for an empty or malformed subject or
	// event kind.
	ErrBadSubject = errors.New("bus: invalid subject")

	// ErrReserved is wrapped by the errors of Plugins' methods for a
	// subject or pattern that may reach a reserved subject space.
	ErrReserved = errors.New("bus: reserved subject")

	// ErrNoResponders is wrapped by the error RequestMsg returns when no
	// subscriber listens on the subject.
	ErrNoResponders = errors.New("bus: no responders")

	// ErrTimeout is wrapped by the error a request or acknowledgement
	// returns when its deadline passed before the answer.
	ErrTimeout = errors.New("bus: timeout")

	// ErrTooLarge is wrapped by the error a publish or request returns when
	// the message is over the server's maximum payload (1 MiB by default).
	ErrTooLarge = errors.New("bus: message over the maximum payload")

	// ErrNoReply is returned by Msg.Respond for a message without a reply
	// subject.
	ErrNoReply = errors.New("bus: message has no reply subject")

	// ErrKeyNotFound is wrapped by the error KV.Get returns for a key that
	// does not exist or was deleted.
	ErrKeyNotFound = errors.New("bus: key not found")

	// ErrKeyExists is wrapped by the error KV.Create returns for a key
	// that already has a value.
	ErrKeyExists = errors.New("bus: key exists")

	// ErrRevisionMismatch is wrapped by the error KV.Update returns when
	// the key's latest revision is not the expected one.
	ErrRevisionMismatch = errors.New("bus: revision mismatch")

	// ErrBadKey is wrapped by the errors KeyValue, ObjectStore and the
	// methods of KV and Objects return for an empty or malformed key,
	// pattern, object name or bucket name.
	ErrBadKey = errors.New("bus: invalid key")

	// ErrKVFull is wrapped by the errors KV.Put, Create and Update return
	// when the write would take the bucket over the bound SetKVMaxBytes set.
	ErrKVFull = errors.New("bus: kv bucket full")

	// ErrObjectNotFound is wrapped by the error Objects.Get returns for a
	// name without an object.
	ErrObjectNotFound = errors.New("bus: object not found")
)
