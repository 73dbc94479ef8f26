package remote

import (
	"fmt"
	"sync"
	"time"

	"github.com/millwright-cmms/millwright/internal/integration"
)

// Breaker is a circuit breaker for one endpoint. After Threshold calls in
// a row fail (no answer, or a 5xx), it opens: calls fail at once with an
// error wrapping integration.ErrUnavailable, and one call per Interval is
// let through as a probe. A probe that succeeds closes it; one that fails
// keeps it open for another Interval. An ERP that is down so sees one
// request per interval, not one per message and retry.
type Breaker struct {
	Threshold int           // failures in a row that open it; default 3
	Interval  time.Duration // time between probes while open; default 2 s
	Now       func() time.Time

	mu        sync.Mutex
	failures  int
	openUntil time.Time // zero while closed
	probing   bool
	lastErr   string
}

func (b *Breaker) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Breaker) threshold() int {
	if b.Threshold <= 0 {
		return 3
	}
	return b.Threshold
}

func (b *Breaker) interval() time.Duration {
	if b.Interval <= 0 {
		return 2 * time.Second
	}
	return b.Interval
}

// Allow reports whether a call may go now; when it may not, the error
// says why and when the next probe goes. Every allowed call must be
// followed by Done.
func (b *Breaker) Allow() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return nil
	}
	now := b.now()
	if b.probing || now.Before(b.openUntil) {
		wait := max(b.openUntil.Sub(now), 0).Round(time.Millisecond)
		return fmt.Errorf("%w: %d calls in a row failed (last: %s); next probe in %s",
			integration.ErrUnavailable, b.failures, b.lastErr, wait)
	}
	b.probing = true
	return nil
}

// Done records the outcome of an allowed call: failed is true when the
// endpoint did not answer or answered 5xx. Any other answer, even a
// refusal, shows the endpoint is up.
func (b *Breaker) Done(failed bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if !failed {
		b.failures, b.openUntil, b.lastErr = 0, time.Time{}, ""
		return
	}
	b.failures++
	if err != nil {
		b.lastErr = err.Error()
	}
	if b.failures >= b.threshold() {
		b.openUntil = b.now().Add(b.interval())
	}
}

// Abandon ends an allowed call whose outcome says nothing about the
// endpoint (the caller gave up): the state stays as it was.
func (b *Breaker) Abandon() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
}

// Open reports whether the breaker is open.
func (b *Breaker) Open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openUntil.IsZero()
}
