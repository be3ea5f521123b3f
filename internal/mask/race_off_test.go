//go:build !race

package mask_test

const raceOn = false
