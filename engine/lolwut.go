package engine

import (
	"strconv"
	"strings"
)

// LOLWUT [VERSION v] [columns rows [seed]]
//
// Volley's piece is "Rally": a court seen from the side, a net in the
// middle, and the flight paths of a few balls volleyed over it, each a
// parabola drawn with its slope ('/' rising, '-' at the top, '\'
// falling) and the ball 'o' caught somewhere along it. The rallies are
// chosen by a small deterministic generator seeded from the arguments (and
// the version asked for), so the same arguments always draw the same
// rally. The last line is "Valkey ver. <version>" for tools that read it
// ("Redis ver. 7.2.4" under extended-redis-compatibility, as Valkey).

const (
	lolwutDefaultCols = 72
	lolwutDefaultRows = 18
)

func cmdLolwut(c *Client) {
	args := c.Argv[1:]
	seed := uint64(0x5eed)
	if len(args) >= 2 && strings.EqualFold(string(args[0]), "version") {
		v, ok := parseInt(args[1])
		if !ok {
			c.AddError(ErrNotInteger)
			return
		}
		seed ^= uint64(v) * 0x9e3779b97f4a7c15
		args = args[2:]
	}
	if len(args) == 1 || len(args) > 3 {
		c.AddError("ERR Syntax error. Use: LOLWUT [columns rows] [seed]")
		return
	}
	cols, rows := int64(lolwutDefaultCols), int64(lolwutDefaultRows)
	for i, a := range args {
		n, ok := parseInt(a)
		if !ok {
			c.AddError(ErrNotInteger)
			return
		}
		switch i {
		case 0:
			cols = min(max(n, 16), 1000)
		case 1:
			rows = min(max(n, 6), 1000)
		case 2:
			seed ^= uint64(n)
		}
	}
	seed ^= uint64(cols)<<32 | uint64(rows)
	art := drawRally(int(cols), int(rows), seed)
	ver := "Valkey ver. " + Version
	if c.srv.Cfg.ExtendedRedisCompat {
		ver = "Redis ver. " + RedisVersion
	}
	art = append(art, "Volley "+VolleyVersion+": rally #"+strconv.FormatUint(seed%10000, 10)+
		", drawn for you.\n"+ver+"\n"...)
	c.AddVerbatim(art)
}

// rallyRand is splitmix64: tiny, and the same everywhere.
type rallyRand uint64

func (r *rallyRand) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// intn returns a number in [lo, hi].
func (r *rallyRand) intn(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + int(r.next()%uint64(hi-lo+1))
}

// drawRally renders the court: rows lines of cols characters each,
// newline-terminated.
func drawRally(cols, rows int, seed uint64) []byte {
	rng := rallyRand(seed)
	grid := make([][]byte, rows)
	for y := range grid {
		grid[y] = []byte(strings.Repeat(" ", cols))
	}
	ground := rows - 1
	for x := range grid[ground] {
		grid[ground][x] = '='
	}
	mid := cols / 2
	netTop := ground - max(2, rows/3)

	// Each ball flies from one side of the net to the other, peaking well
	// above it; the first ones drawn are the farthest, so the later ones
	// pass in front.
	balls := rng.intn(3, 5)
	for b := 0; b < balls; b++ {
		x0 := rng.intn(1, max(1, mid-4))
		x1 := rng.intn(min(cols-2, mid+4), cols-2)
		if rng.next()&1 == 1 {
			x0, x1 = cols-1-x0, cols-1-x1
		}
		apex := rng.intn(1, max(1, netTop/2)) // row of the highest point
		height := float64(ground - apex)
		catch := rng.intn(20, 80) // the ball is drawn this % of the way along
		span := x1 - x0
		step := 1
		if span < 0 {
			step = -1
		}
		rowAt := func(x int) int {
			t := float64(x-x0) / float64(span)
			return ground - int(4*height*t*(1-t)+0.5)
		}
		// Each column gets the rows from its height to the next column's,
		// so steep stretches stay unbroken.
		for x := x0; x != x1+step; x += step {
			y, next := rowAt(x), rowAt(x+step)
			ch := byte('-')
			switch {
			case next < y:
				ch = '/'
			case next > y:
				ch = '\\'
			}
			if step < 0 && ch != '-' {
				ch = '/' + '\\' - ch // flying leftwards, rising is drawn '\'
			}
			lo, hi := y, y
			if next < y {
				lo = next + 1
			} else if next > y {
				hi = next - 1
			}
			for r := lo; r <= hi; r++ {
				if r >= 0 && r < ground {
					grid[r][x] = ch
				}
			}
		}
		bx := x0 + span*catch/100
		if by := rowAt(bx); by >= 0 && by < ground {
			grid[by][bx] = 'o'
		}
	}
	for y := netTop; y < ground; y++ {
		grid[y][mid] = '|'
	}
	grid[netTop][mid] = '+'

	out := make([]byte, 0, rows*(cols+1)+128)
	for _, line := range grid {
		out = append(out, line...)
		out = append(out, '\n')
	}
	return out
}
