package policy

import "errors"

var (
	// ErrInvalidLimits is returned by Limiters.Take when Limits are out of
	// range: Rate or Period not positive, Burst or cost negative, an unknown
	// Algorithm, or a bucket that would take longer than MaxFillTime to fill.
	// The Decision returned with it denies the request.
	ErrInvalidLimits = errors.New("policy: invalid rate limit")
	// ErrCostExceedsLimit is returned by Limiters.Take when cost is larger
	// than the bucket can ever hold (Burst for a token bucket, Rate for a
	// sliding window), so no amount of waiting would admit it. The Decision
	// returned with it is a valid denial with RetryAfter 0; no token is
	// taken.
	ErrCostExceedsLimit = errors.New("policy: cost exceeds the bucket's limit")
	// ErrTooManyBuckets is returned by Limiters.Take when a new bucket name
	// would exceed the maximum given to NewLimiters. The Decision returned
	// with it denies the request; Sweep makes room.
	ErrTooManyBuckets = errors.New("policy: too many rate-limit buckets")
)
