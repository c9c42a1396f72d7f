package iothreads

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/keyspace"
	"github.com/volleydb/volley/engine/resp"
)

// BenchmarkPipelinedGet1M runs batches of 16 GETs of random keys out of a
// million (10-byte keys, 100-byte values, a table far larger than the
// cache) through the whole I/O path, with the prefetch passes on (Valkey's
// default window of 16) and off. ns/op is per batch of 16.
func BenchmarkPipelinedGet1M(b *testing.B) {
	for _, window := range []int{16, 0} {
		b.Run("prefetch="+strconv.Itoa(window), func(b *testing.B) {
			s, fc := newTestIO(b, "--prefetch-batch-max-size", strconv.Itoa(window))
			fc.record = false
			db := s.co.Acquire().DB(0)
			val := []byte(strings.Repeat("v", 100))
			const n = 1 << 20
			db.Keys().Expand(n)
			for i := range n {
				db.Set([]byte("key:"+strconv.Itoa(i)), keyspace.Value{Kind: engine.KindRaw, Bytes: val}, false)
			}
			s.co.Release()
			runBatches(b, s, fc, randomBatches(func(rng *rand.Rand) []string {
				return []string{"GET", "key:" + strconv.Itoa(rng.IntN(n))}
			}))
		})
	}
}

// BenchmarkPipelinedMemberLookup1M is the member-lookup counterpart: a
// batch of 16 SISMEMBER, HGET or ZSCORE of random members of one value
// of 2^20 members, with the prefetch window on and off.
func BenchmarkPipelinedMemberLookup1M(b *testing.B) {
	const n = 1 << 20
	for _, tc := range []struct{ fill, read string }{
		{"SADD s", "SISMEMBER s"},
		{"HSET h", "HGET h"},
		{"ZADD z", "ZSCORE z"},
	} {
		for _, window := range []int{16, 0} {
			b.Run(strings.Fields(tc.read)[0]+"/prefetch="+strconv.Itoa(window), func(b *testing.B) {
				s, fc := newTestIO(b, "--prefetch-batch-max-size", strconv.Itoa(window))
				fc.record = false
				// Fill in commands of 1024 members (a value or score
				// before each member but for SADD).
				for i := 0; i < n; i += 1024 {
					args := strings.Fields(tc.fill)
					for j := i; j < i+1024; j++ {
						if tc.fill != "SADD s" {
							args = append(args, strconv.Itoa(j))
						}
						args = append(args, "member:"+strconv.Itoa(j))
					}
					fc.in = respCommand(args)
					s.OnTraffic(fc)
				}
				read := strings.Fields(tc.read)
				runBatches(b, s, fc, randomBatches(func(rng *rand.Rand) []string {
					return append(read[:len(read):len(read)], "member:"+strconv.Itoa(rng.IntN(n)))
				}))
			})
		}
	}
}

// benchBatches is how many different batches a benchmark cycles through:
// 8192 batches of 16 commands name 131k random keys or members, whose
// lines are more than the cache holds, so a batch rarely finds its data
// still cached from the round before. (With 256 batches, 4096 names, it
// did, and the prefetch window's gain shrank to the noise.)
const benchBatches = 8192

// randomBatches makes benchBatches pipelined batches of 16 commands each,
// the command's arguments drawn by cmd from a fixed seed.
func randomBatches(cmd func(rng *rand.Rand) []string) [][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	batches := make([][]byte, benchBatches)
	for i := range batches {
		var in []byte
		for range 16 {
			in = append(in, respCommand(cmd(rng))...)
		}
		batches[i] = in
	}
	return batches
}

// runBatches feeds the batches to fc in turn, one per iteration: ns/op is
// per batch of 16.
func runBatches(b *testing.B, s *Server, fc *fakeConn, batches [][]byte) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		fc.in = batches[i%len(batches)]
		i++
		s.OnTraffic(fc)
	}
}

// respCommand encodes args as a RESP array of bulk strings.
func respCommand(args []string) []byte {
	out := resp.AppendArrayLen(nil, len(args))
	for _, a := range args {
		out = resp.AppendBulkString(out, a)
	}
	return out
}
