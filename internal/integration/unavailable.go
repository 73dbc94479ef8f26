package integration

import "errors"

// ErrUnavailable is in the chain of an error a Connector returns without
// trying: it knows the ERP is down (its circuit breaker is open) and waits
// for its next probe. A message refused so was not attempted, so the
// sender does not count it against the message's attempts.
var ErrUnavailable = errors.New("the ERP is unavailable")

// ErrNotTried is the answer of a batch to a message it did not try,
// because one before it that it must follow was not applied.
var ErrNotTried = errors.New("not tried: a message it follows was not applied")
