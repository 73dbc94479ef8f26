//go:build race

package erp_test

// raceDetector is true when the tests run with -race, which slows the
// property test about tenfold: it then runs shorter sequences.
const raceDetector = true
