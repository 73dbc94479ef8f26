package demo

import "context"

// work creates work orders in every state. (Filled in once the work-order
// use-cases land.)
func (l *loader) work(ctx context.Context) error { return nil }
