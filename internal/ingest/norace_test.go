//go:build !race

package ingest_test

// burstSteps is how many readings each gauge of the burst test has: with
// run_hours, 2,000 readings.
const burstSteps = 450
