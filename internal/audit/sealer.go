package audit

import (
	"context"
	"log/slog"
	"time"
)

// Sealer seals committed entries into the chain in the background: every
// Interval, and soon after Wake says a commit wrote one.
type Sealer struct {
	// Store seals what has committed and says how many entries it sealed
	// (*store.DB does).
	Store interface {
		SealAudit(ctx context.Context) (int, error)
	}
	Interval time.Duration   // how often to look for entries to seal; DefaultSealInterval when 0
	Wake     <-chan struct{} // signalled after a commit that wrote an entry (store.DB.SealWake); may be nil
	Log      *slog.Logger
}

// DefaultSealInterval bounds how long a committed entry waits to be sealed
// when nothing wakes the sealer (entries written by another process).
const DefaultSealInterval = 200 * time.Millisecond

// gather is how long the sealer waits after a wake-up, so that the
// entries of a busy moment are sealed in one transaction rather than one
// each: under load it seals at most about 20 times a second, each seal a
// commit that, on SQLite, the one writer makes between the others.
const gather = 50 * time.Millisecond

// Run seals entries until ctx is cancelled, then seals once more, so that
// a stopping server leaves what it wrote in the chain.
func (s *Sealer) Run(ctx context.Context) error {
	interval := s.Interval
	if interval <= 0 {
		interval = DefaultSealInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.seal(ctx)
		select {
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			s.seal(last)
			cancel()
			return nil
		case <-t.C:
		case <-s.Wake:
			select {
			case <-ctx.Done():
			case <-time.After(gather):
			}
		}
	}
}

func (s *Sealer) seal(ctx context.Context) {
	if _, err := s.Store.SealAudit(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
		s.Log.Error("audit sealing", "err", err)
	}
}
