//go:build race

package keyspace

// raceEnabled scales the heavier property tests down under the race detector.
const raceEnabled = true
