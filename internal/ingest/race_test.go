//go:build race

package ingest_test

// burstSteps is how many readings each gauge of the burst test has: the
// race detector slows the embedded SQLite some thirtyfold, so fewer.
const burstSteps = 100
