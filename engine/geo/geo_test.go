package geo

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// Expected values below were read from Valkey 9.0.4 (GEOADD then ZSCORE,
// GEOPOS, GEOHASH, GEODIST, and STOREDIST scores), not derived here.

func TestScoreAndDecode(t *testing.T) {
	cases := []struct {
		lon, lat       float64
		score          uint64
		posLon, posLat string // GEOPOS text (17 decimals, trailing zeros cut)
		hash           string
	}{
		{13.361389, 38.115556, 3479099956230698, "13.36138933897018433", "38.11555639549629859", "sqc8b49rny0"},
		{15.087269, 37.502669, 3479447370796909, "15.08726745843887329", "37.50266842333162032", "sqdtr74hyu0"},
	}
	for _, tc := range cases {
		score, ok := Score(tc.lon, tc.lat)
		if !ok || score != tc.score {
			t.Errorf("Score(%v, %v) = %d, %v; want %d", tc.lon, tc.lat, score, ok, tc.score)
		}
		lon, lat, ok := DecodeScore(float64(tc.score))
		if !ok || human(lon) != tc.posLon || human(lat) != tc.posLat {
			t.Errorf("DecodeScore(%d) = %s, %s; want %s, %s", tc.score, human(lon), human(lat), tc.posLon, tc.posLat)
		}
		if h := String(lon, lat); string(h[:]) != tc.hash {
			t.Errorf("String(%v, %v) = %s, want %s", lon, lat, h[:], tc.hash)
		}
	}
	if _, ok := Score(180.0001, 0); ok {
		t.Error("Score accepted a longitude beyond 180")
	}
	if _, ok := Score(0, 85.06); ok {
		t.Error("Score accepted a latitude beyond the Mercator limit")
	}
}

// human is the GEOPOS text of a coordinate: "%.17f" without trailing zeros.
func human(f float64) string {
	s := strconv.FormatFloat(f, 'f', 17, 64)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func TestScoreBitsLikeCCast(t *testing.T) {
	cases := []struct {
		score float64
		want  uint64
	}{
		{0, 0},
		{3479099956230698, 3479099956230698},
		{-1, math.MaxUint64},
		{1e20, 0}, // out of range: the x86 conversion's "indefinite" value, xored
		{math.Inf(1), 0},
		{math.Inf(-1), 1 << 63},
		{-1e20, 1 << 63},
		{9223372036854775808.0, 1 << 63},
		{1e16 + 2, 10000000000000002},
	}
	for _, tc := range cases {
		if got := ScoreBits(tc.score); got != tc.want {
			t.Errorf("ScoreBits(%v) = %#x, want %#x", tc.score, got, tc.want)
		}
	}
}

func TestNeighborsWrapAndInvert(t *testing.T) {
	for _, step := range []uint8{1, 2, 5, 26} {
		h, _ := EncodeWGS84(179.999999, 85, step) // the north-east corner
		nb := NeighborsOf(h)
		back := NeighborsOf(nb.East).West
		if back != h {
			t.Errorf("step %d: west of east = %+v, want %+v", step, back, h)
		}
		if NeighborsOf(nb.SouthWest).NorthEast != h {
			t.Errorf("step %d: north-east of south-west is not the cell", step)
		}
		// East of the last column wraps to the first: longitude bits all zero.
		ea, _ := DecodeWGS84(nb.East)
		if ea.Lon.Min != LonMin {
			t.Errorf("step %d: east of the antimeridian starts at %v", step, ea.Lon.Min)
		}
	}
	h := Hash{Bits: 0b10, Step: 1} // lon 1, lat 0
	if nb := NeighborsOf(h); nb.North != (Hash{Bits: 0b11, Step: 1}) || nb.East != (Hash{Bits: 0b00, Step: 1}) {
		t.Errorf("step 1 neighbors = %+v", nb)
	}
}

func TestEstimateStep(t *testing.T) {
	cases := []struct {
		radius, lat float64
		want        uint8
	}{
		{0, 0, 26},
		{1000, 0, 14},
		{1000, 70, 13},
		{1000, -85, 12},
		{1e8, 0, 1},
		{0.001, 0, 26},
	}
	for _, tc := range cases {
		if got := EstimateStep(tc.radius, tc.lat); got != tc.want {
			t.Errorf("EstimateStep(%v, %v) = %d, want %d", tc.radius, tc.lat, got, tc.want)
		}
	}
}

func TestDistanceMatchesValkey(t *testing.T) {
	pl, plat, _ := DecodeScore(3479099956230698) // Palermo
	ca, clat, _ := DecodeScore(3479447370796909) // Catania
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		// GEORADIUS Sicily 15 37 200 km STOREDIST: the stored scores.
		{"palermo km", Distance(15, 37, pl, plat) / 1000, 190.44242984775784},
		{"catania km", Distance(15, 37, ca, clat) / 1000, 56.4412578701582},
		{"palermo mi", Distance(15, 37, pl, plat) / 1609.34, 118.33573380874013},
		{"catania mi", Distance(15, 37, ca, clat) / 1609.34, 35.071058862737644},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: %.17g, want %.17g", tc.name, tc.got, tc.want)
		}
	}
	if d := Distance(10, 20, 10, 30); d != latDistance(20, 30) {
		t.Errorf("same meridian: %v, want the latitude distance %v", d, latDistance(20, 30))
	}
}

func TestCorrectlyRoundedMath(t *testing.T) {
	// Results of glibc 2.36 where Go's math package differs in the last bit.
	cases := []struct {
		fn      string
		a, b, r uint64
	}{
		{"sin", 0xc007e2e7172fc5cf, 0, 0xbfc3dca2cffddc0d},
		{"sin", 0x3ffc95f143d2c57c, 0, 0x3fef41f898239f0a},
		{"sin", 0x4002b1f65a589720, 0, 0x3fe70f52ea0b93e6},
		{"sin", 0x3feb06e82102daa0, 0, 0x3fe7ed2a9d617a1b},
		{"cos", 0x3fc69f64f1c6d868, 0, 0x3fef80630620febc},
		{"cos", 0xbfdf03cddaa46e04, 0, 0x3fec50c1c1407395},
		{"cos", 0x3fc73ec48b61b0c0, 0, 0x3fef7949428d51c3},
		{"cos", 0x3fe9d40a949a0e7c, 0, 0x3fe6215a6df87605},
		{"asin", 0x3fe619b00c6c3360, 0, 0x3fe86550f09a68c6},
		{"asin", 0x3f3bb0267b9bba6a, 0, 0x3f3bb026896d7b79},
		{"asin", 0x3feffa6973046fb4, 0, 0x3ff88aaec3374773},
		{"asin", 0x3fefffd9bf8e142e, 0, 0x3ff9093e15dc59e9},
		{"atan2", 0xbffafd8c27d5fb18, 0xbfd183103ba30620, 0xbffbb4a372a6fb97},
		{"atan2", 0x3fe012ccc8e0259c, 0xbff59f570b0b3eae, 0x4006492dcf18a968},
		{"atan2", 0xbffaa623e1154c48, 0xbfffc7f24f1f8fe4, 0xc0038ce828847e9b},
		{"atan2", 0x400473729538e6e6, 0x400366d0fe76cda2, 0x3fe9f9a1bc623e69},
	}
	for _, tc := range cases {
		a, b := math.Float64frombits(tc.a), math.Float64frombits(tc.b)
		var got float64
		switch tc.fn {
		case "sin":
			got = Sin(a)
		case "cos":
			got = Cos(a)
		case "asin":
			got = Asin(a)
		case "atan2":
			got = Atan2(a, b)
		}
		if math.Float64bits(got) != tc.r {
			t.Errorf("%s(%v, %v) = %#x, want %#x", tc.fn, a, b, math.Float64bits(got), tc.r)
		}
	}
	// Exact and special values.
	if Sin(0) != 0 || math.Signbit(Sin(math.Copysign(0, -1))) != true || Cos(0) != 1 || Asin(1) != math.Pi/2 {
		t.Error("special values")
	}
	if Sin(math.Pi) != 1.2246467991473532e-16 {
		t.Errorf("Sin(pi) = %v", Sin(math.Pi))
	}
}

func TestInPolygonEvenOdd(t *testing.T) {
	square := [][2]float64{{0, 0}, {10, 0}, {10, 10}, {0, 10}}
	// A U: the notch between x 4..6 above y 4 is outside.
	u := [][2]float64{{0, 0}, {10, 0}, {10, 10}, {6, 10}, {6, 4}, {4, 4}, {4, 10}, {0, 10}}
	// A pentagram drawn in one stroke: its center pentagon is crossed
	// twice, so even-odd leaves it outside while the points are inside.
	star := [][2]float64{{5, 10}, {7.9, 1}, {0.3, 6.5}, {9.7, 6.5}, {2.1, 1}}
	cases := []struct {
		name     string
		poly     [][2]float64
		lon, lat float64
		in       bool
	}{
		{"square center", square, 5, 5, true},
		{"square outside", square, 11, 5, false},
		{"U arm", u, 2, 8, true},
		{"U base", u, 5, 2, true},
		{"U notch", u, 5, 8, false},
		{"U other arm", u, 8, 8, true},
		{"star center", star, 5, 5, false},
		{"star top point", star, 5, 8.5, true},
		{"star left point", star, 1.5, 6, true},
		{"star outside", star, 9, 2, false},
	}
	for _, tc := range cases {
		if got := InPolygon(tc.poly, tc.lon, tc.lat); got != tc.in {
			t.Errorf("%s: InPolygon(%v, %v) = %v", tc.name, tc.lon, tc.lat, got)
		}
	}
}

func TestShapeCellsCoverSearch(t *testing.T) {
	// Every point found by brute force must lie in one of the cells the
	// search scans, whatever the shape.
	shapes := []Shape{
		{Kind: Circle, Lon: 13.4, Lat: 38.1, Conversion: 1000, Radius: 200},
		{Kind: Circle, Lon: 179.9, Lat: 84, Conversion: 1, Radius: 50000},
		{Kind: Box, Lon: -0.1, Lat: 0.1, Conversion: 1609.34, Width: 30, Height: 300},
		{Kind: Polygon, Conversion: 1, Points: [][2]float64{{1, 1}, {3, 1}, {3, 2}, {2, 1.5}, {1, 2}}},
	}
	for i := range shapes {
		s := &shapes[i]
		found := 0
		cells := s.Cells()
		rng := rand.New(rand.NewPCG(1, uint64(i)))
		for n := 0; n < 20000; n++ {
			// Sample the bounding box, widened by half on each side.
			w, h := s.bounds[2]-s.bounds[0], s.bounds[3]-s.bounds[1]
			lon := s.bounds[0] - w/2 + rng.Float64()*2*w
			lat := s.bounds[1] - h/2 + rng.Float64()*2*h
			score, ok := Score(lon, lat)
			if !ok {
				continue
			}
			plon, plat, _ := DecodeScore(float64(score))
			if _, in := s.Contains(plon, plat); !in {
				continue
			}
			found++
			covered := false
			for _, c := range cells {
				if c.IsZero() {
					continue
				}
				lo, hi := CellScores(c)
				if score >= lo && score < hi {
					covered = true
				}
			}
			if !covered {
				t.Fatalf("shape %d: point %v,%v inside but in no scanned cell", i, lon, lat)
			}
		}
		if found < 100 {
			t.Fatalf("shape %d: only %d sample points inside; the test proves little", i, found)
		}
	}
}
