//go:build race

package mask_test

// raceOn: the race detector makes memory accesses about ten times dearer.
const raceOn = true
