package engine

import (
	"math"
	"slices"
	"strconv"

	"github.com/volleydb/volley/engine/config"
	"github.com/volleydb/volley/engine/geo"
	"github.com/volleydb/volley/engine/listpack"
)

// geoHandlers are the geo group. A geospatial index is a sorted set whose
// scores are 52-bit geohashes (engine/geo), so these commands read and
// write it through the sorted set code.
var geoHandlers = map[string]Handler{
	"geoadd":               cmdGeoadd,
	"geodist":              cmdGeodist,
	"geohash":              cmdGeohash,
	"geopos":               cmdGeopos,
	"georadius":            func(c *Client) { geoSearch(c, 1, geoByCoords) },
	"georadius_ro":         func(c *Client) { geoSearch(c, 1, geoByCoords|geoNoStore) },
	"georadiusbymember":    func(c *Client) { geoSearch(c, 1, geoByMember) },
	"georadiusbymember_ro": func(c *Client) { geoSearch(c, 1, geoByMember|geoNoStore) },
	"geosearch":            func(c *Client) { geoSearch(c, 1, geoSearchCmd) },
	"geosearchstore":       func(c *Client) { geoSearch(c, 2, geoSearchCmd|geoSearchStore) },
}

// Geo errors, with Valkey's text.
const (
	errGeoUnit         = "ERR unsupported unit provided. please use M, KM, FT, MI"
	errGeoRadius       = "ERR need numeric radius"
	errGeoRadiusNeg    = "ERR radius cannot be negative"
	errGeoWidth        = "ERR need numeric width"
	errGeoHeight       = "ERR need numeric height"
	errGeoBoxNeg       = "ERR height or width cannot be negative"
	errGeoCount        = "ERR COUNT must be > 0"
	errGeoAny          = "ERR the ANY argument requires COUNT argument"
	errGeoVertices     = "ERR invalid number of vertices"
	errGeoFewVertices  = "ERR GEOSEARCH BYPOLYGON must have at least 3 vertices"
	errGeoStoreWithout = " is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
)

// ---- argument helpers ----

// geoLonLat parses a longitude and a latitude argument, replying the
// error when either is not a number or the pair is outside the index.
func geoLonLat(c *Client, lonArg, latArg []byte) (lon, lat float64, ok bool) {
	if lon, ok = parseZsetFloat(lonArg); ok {
		lat, ok = parseZsetFloat(latArg)
	}
	if !ok {
		c.AddError(ErrNotFloat)
		return 0, 0, false
	}
	if lon < geo.LonMin || lon > geo.LonMax || lat < geo.LatMin || lat > geo.LatMax {
		b := append([]byte("ERR invalid longitude,latitude pair "), cFloatF(lon)...)
		b = append(b, ',')
		b = append(b, cFloatF(lat)...)
		c.AddError(string(b))
		return 0, 0, false
	}
	return lon, lat, true
}

// cFloatF formats f as C's "%f".
func cFloatF(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoUnit is the number of meters in the unit named by a, replying the
// error (and returning a negative value) for an unknown unit.
func geoUnit(c *Client, a []byte) float64 {
	a = cstr(a)
	switch {
	case equalFoldASCII(a, "m"):
		return 1
	case equalFoldASCII(a, "km"):
		return 1000
	case equalFoldASCII(a, "ft"):
		return 0.3048
	case equalFoldASCII(a, "mi"):
		return 1609.34
	}
	c.AddError(errGeoUnit)
	return -1
}

// geoDistanceArgs parses "<radius> <unit>".
func geoDistanceArgs(c *Client, radiusArg, unitArg []byte) (radius, conv float64, ok bool) {
	radius, ok = parseZsetFloat(radiusArg)
	if !ok {
		c.AddError(errGeoRadius)
		return 0, 0, false
	}
	if radius < 0 {
		c.AddError(errGeoRadiusNeg)
		return 0, 0, false
	}
	if conv = geoUnit(c, unitArg); conv < 0 {
		return 0, 0, false
	}
	return radius, conv, true
}

// geoBoxArgs parses "<width> <height> <unit>".
func geoBoxArgs(c *Client, args [][]byte) (width, height, conv float64, ok bool) {
	if width, ok = parseZsetFloat(args[0]); !ok {
		c.AddError(errGeoWidth)
		return 0, 0, 0, false
	}
	if height, ok = parseZsetFloat(args[1]); !ok {
		c.AddError(errGeoHeight)
		return 0, 0, 0, false
	}
	if width < 0 || height < 0 {
		c.AddError(errGeoBoxNeg)
		return 0, 0, 0, false
	}
	if conv = geoUnit(c, args[2]); conv < 0 {
		return 0, 0, 0, false
	}
	return width, height, conv, true
}

// geoPos is the position of member in zs, false when the key (found
// false) or the member is missing or its score is no geohash.
func geoPos(zs *zset, found bool, member []byte) (lon, lat float64, ok bool) {
	if !found {
		return 0, 0, false
	}
	score, ok := zs.score(member)
	if !ok {
		return 0, 0, false
	}
	return geo.DecodeScore(score)
}

// geoMemberPos is the position of member in zs, replying the error when
// it is missing or its score is no geohash.
func geoMemberPos(c *Client, zs *zset, member []byte) (lon, lat float64, ok bool) {
	score, found := zs.score(member)
	if !found {
		c.AddError("ERR member " + string(cstr(member)) + " does not exist")
		return 0, 0, false
	}
	if lon, lat, ok = geo.DecodeScore(score); !ok {
		c.AddError("ERR failed to decode, member " + string(cstr(member)) + " is not a valid geohash")
	}
	return lon, lat, ok
}

// appendGeoDistance formats a distance with four decimals, rounding half
// to even as llrint does.
func appendGeoDistance(dst []byte, d float64) []byte {
	if d == 0 {
		return append(dst, "0.0000"...)
	}
	v := int64(math.RoundToEven(d * 10000))
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var digits [24]byte
	s := strconv.AppendInt(digits[:0], v, 10)
	if len(s) < 5 {
		dst = append(dst, '0')
	} else {
		dst = append(dst, s[:len(s)-4]...)
	}
	dst = append(dst, '.')
	for i := len(s); i < 4; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s[max(len(s)-4, 0):]...)
}

func (c *Client) addGeoDistance(d float64) {
	var buf [32]byte
	c.AddBulkCopy(appendGeoDistance(buf[:0], d))
}

// appendHumanDouble formats a coordinate as Valkey's "human" long double
// text: 17 decimals with the trailing zeros (and a bare point) removed.
// A decoded coordinate is always finite.
func appendHumanDouble(dst []byte, f float64) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', 17, 64)
	for dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// addHumanDouble replies a coordinate: a bulk string in RESP2, a double
// in RESP3, the same text in both.
func (c *Client) addHumanDouble(f float64) {
	var buf [64]byte
	if c.Proto == 2 {
		c.AddBulkCopy(appendHumanDouble(buf[:0], f))
		return
	}
	b := append(buf[:0], ',')
	b = appendHumanDouble(b, f)
	c.AddRaw(append(b, '\r', '\n'))
}

// ---- GEOADD, GEODIST, GEOHASH, GEOPOS ----

// cmdGeoadd is GEOADD key [NX|XX] [CH] lon lat member ...: ZADD with the
// coordinates turned into scores, replying, notifying and propagating as
// that ZADD (Valkey's AOF holds "zadd key score member").
func cmdGeoadd(c *Client) {
	argv := c.Argv
	nx, xx := false, false
	i := 2
	for ; i < len(argv); i++ {
		a := cstr(argv[i])
		if equalFoldASCII(a, "nx") {
			nx = true
		} else if equalFoldASCII(a, "xx") {
			xx = true
		} else if !equalFoldASCII(a, "ch") {
			break
		}
	}
	if (len(argv)-i)%3 != 0 || (nx && xx) {
		c.AddError(ErrSyntax)
		return
	}
	elements := (len(argv) - i) / 3
	zargv := make([][]byte, i+2*elements)
	copy(zargv, argv[:i])
	zargv[0] = argZADD
	scores := make([]byte, 0, elements*17)
	for j := 0; j < elements; j++ {
		lon, lat, ok := geoLonLat(c, argv[i+3*j], argv[i+3*j+1])
		if !ok {
			return
		}
		bits, _ := geo.Score(lon, lat)
		start := len(scores)
		scores = strconv.AppendUint(scores, bits, 10)
		zargv[i+2*j] = scores[start:len(scores):len(scores)]
		zargv[i+2*j+1] = argv[i+3*j+2]
	}
	c.Argv = zargv
	zaddGeneric(c, 0)
	c.Argv = argv
	c.rewriteArgv(zargv...)
}

// cmdGeodist is GEODIST key member1 member2 [unit].
func cmdGeodist(c *Client) {
	conv := 1.0
	if len(c.Argv) == 5 {
		if conv = geoUnit(c, c.Argv[4]); conv < 0 {
			return
		}
	} else if len(c.Argv) > 5 {
		c.AddError(ErrSyntax)
		return
	}
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	lon1, lat1, ok1 := geoPos(&zs, found, c.Argv[2])
	lon2, lat2, ok2 := geoPos(&zs, found, c.Argv[3])
	if !ok1 || !ok2 {
		c.AddNull()
		return
	}
	c.addGeoDistance(geo.Distance(lon1, lat1, lon2, lat2) / conv)
}

// cmdGeohash is GEOHASH key member ...: each member's standard geohash
// string, null for a missing one.
func cmdGeohash(c *Client) {
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.AddArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		lon, lat, ok := geoPos(&zs, found, m)
		if !ok {
			c.AddNull()
			continue
		}
		h := geo.String(lon, lat)
		c.AddBulkCopy(h[:])
	}
}

// cmdGeopos is GEOPOS key member ...: each member's [lon, lat], a null
// array for a missing one.
func cmdGeopos(c *Client) {
	zs, found, ok := zsetLookupRead(c, c.Argv[1])
	if !ok {
		return
	}
	c.AddArrayLen(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		lon, lat, ok := geoPos(&zs, found, m)
		if !ok {
			c.AddNullArray()
			continue
		}
		c.AddArrayLen(2)
		c.addHumanDouble(lon)
		c.addHumanDouble(lat)
	}
}

// ---- GEORADIUS, GEOSEARCH and friends ----

// geoSearch variants.
const (
	geoByCoords    = 1 << iota // GEORADIUS: center and radius are arguments
	geoByMember                // GEORADIUSBYMEMBER: center is a member
	geoNoStore                 // the _RO variants: no STORE/STOREDIST
	geoSearchCmd               // GEOSEARCH syntax (FROM*, BY*)
	geoSearchStore             // GEOSEARCHSTORE: destination first, STOREDIST flag
)

// geoPoint is a search result.
type geoPoint struct {
	lon, lat float64
	dist     float64 // meters from the center, until the reply divides it
	score    float64
	member   []byte
}

// geoSort orders of the results.
const (
	geoSortNone = iota
	geoSortAsc
	geoSortDesc
)

// geoSearch is the one search behind GEORADIUS, GEORADIUSBYMEMBER, their
// _RO twins, GEOSEARCH and GEOSEARCHSTORE; src is the source key's index.
func geoSearch(c *Client, src int, flags int) {
	argv := c.Argv
	zs, found, ok := zsetLookupRead(c, argv[src])
	if !ok {
		return
	}
	var storeKey []byte
	storeDist := false
	var shape geo.Shape
	base := 0
	switch {
	case flags&geoByCoords != 0:
		base = 6
		shape.Kind = geo.Circle
		if shape.Lon, shape.Lat, ok = geoLonLat(c, argv[2], argv[3]); !ok {
			return
		}
		if shape.Radius, shape.Conversion, ok = geoDistanceArgs(c, argv[4], argv[5]); !ok {
			return
		}
	case flags&geoByMember != 0:
		base = 5
		if found {
			// Without the key the arguments are still parsed, so that the
			// reply can depend on STORE; the center is not needed.
			shape.Kind = geo.Circle
			if shape.Lon, shape.Lat, ok = geoMemberPos(c, &zs, argv[2]); !ok {
				return
			}
			if shape.Radius, shape.Conversion, ok = geoDistanceArgs(c, argv[3], argv[4]); !ok {
				return
			}
		}
	default:
		base = 2
		if flags&geoSearchStore != 0 {
			base = 3
			storeKey = argv[1]
		}
	}

	withDist, withHash, withCoord := false, false, false
	fromMember, fromLonLat, byRadius, byBox, byPolygon := false, false, false, false, false
	sortOrder := geoSortNone
	anyOpt := false
	var count int64
	rest := argv[base:]
	search := flags&geoSearchCmd != 0
	for i := 0; i < len(rest); i++ {
		a := cstr(rest[i])
		more := len(rest) - i - 1 // arguments after this one
		switch {
		case equalFoldASCII(a, "withdist"):
			withDist = true
		case equalFoldASCII(a, "withhash"):
			withHash = true
		case equalFoldASCII(a, "withcoord"):
			withCoord = true
		case equalFoldASCII(a, "any"):
			anyOpt = true
		case equalFoldASCII(a, "asc"):
			sortOrder = geoSortAsc
		case equalFoldASCII(a, "desc"):
			sortOrder = geoSortDesc
		case equalFoldASCII(a, "count") && more >= 1:
			if count, ok = parseLongArg(c, rest[i+1], ""); !ok {
				return
			}
			if count <= 0 {
				c.AddError(errGeoCount)
				return
			}
			i++
		case (equalFoldASCII(a, "store") || equalFoldASCII(a, "storedist")) && more >= 1 &&
			flags&(geoNoStore|geoSearchCmd) == 0:
			storeKey = rest[i+1]
			storeDist = len(a) == len("storedist")
			i++
		case equalFoldASCII(a, "storedist") && flags&geoSearchStore != 0:
			storeDist = true
		case equalFoldASCII(a, "frommember") && more >= 1 && search && !fromLonLat && !byPolygon:
			if found {
				if shape.Lon, shape.Lat, ok = geoMemberPos(c, &zs, rest[i+1]); !ok {
					return
				}
			}
			fromMember = true
			i++
		case equalFoldASCII(a, "fromlonlat") && more >= 2 && search && !fromMember && !byPolygon:
			if shape.Lon, shape.Lat, ok = geoLonLat(c, rest[i+1], rest[i+2]); !ok {
				return
			}
			fromLonLat = true
			i += 2
		case equalFoldASCII(a, "byradius") && more >= 2 && search && !byBox && !byPolygon:
			if shape.Radius, shape.Conversion, ok = geoDistanceArgs(c, rest[i+1], rest[i+2]); !ok {
				return
			}
			shape.Kind = geo.Circle
			byRadius = true
			i += 2
		case equalFoldASCII(a, "bybox") && more >= 3 && search && !byRadius && !byPolygon:
			if shape.Width, shape.Height, shape.Conversion, ok = geoBoxArgs(c, rest[i+1:i+4]); !ok {
				return
			}
			shape.Kind = geo.Box
			byBox = true
			i += 3
		case equalFoldASCII(a, "bypolygon") && more >= 2 && search && !byRadius && !byBox && !fromMember && !fromLonLat:
			n, ok := parseRangeLongArg(c, rest[i+1], math.MinInt32, math.MaxInt32, errGeoVertices)
			if !ok {
				return
			}
			if n < 3 || int64((more-1)/2) < n {
				c.AddError(errGeoFewVertices)
				return
			}
			pts := make([][2]float64, n)
			for j := range pts {
				if pts[j][0], pts[j][1], ok = geoLonLat(c, rest[i+2+2*j], rest[i+3+2*j]); !ok {
					return
				}
			}
			shape = geo.Shape{Kind: geo.Polygon, Conversion: 1, Points: pts}
			byPolygon = true
			i += 1 + 2*int(n)
		default:
			c.AddError(ErrSyntax)
			return
		}
	}

	if storeKey != nil && (withDist || withHash || withCoord) {
		who := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			who = "GEOSEARCHSTORE"
		}
		c.AddError("ERR " + who + errGeoStoreWithout)
		return
	}
	if search && !fromMember && !fromLonLat && !byPolygon {
		c.AddError("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + string(cstr(argv[0])))
		return
	}
	if search && !byRadius && !byBox && !byPolygon {
		c.AddError("ERR exactly one of BYRADIUS, BYBOX and BYPOLYGON can be specified for " + string(cstr(argv[0])))
		return
	}
	if anyOpt && count == 0 {
		c.AddError(errGeoAny)
		return
	}

	if !found {
		if storeKey != nil {
			deleteStoreTarget(c, storeKey)
			return
		}
		c.AddArrayLen(0)
		return
	}

	// COUNT keeps the nearest, so it implies ASC unless ANY asked for the
	// first found.
	if count != 0 && sortOrder == geoSortNone && !anyOpt {
		sortOrder = geoSortAsc
	}
	limit := 0
	if anyOpt {
		limit = int(min(count, math.MaxInt32))
	}
	points := geoCollect(&zs, &shape, limit)

	if len(points) == 0 && storeKey == nil {
		c.AddArrayLen(0)
		return
	}
	returned := len(points)
	if count != 0 && int64(returned) > count {
		returned = int(count)
	}
	if sortOrder != geoSortNone {
		cmp := func(a, b *geoPoint) int { return cmpDist(a.dist, b.dist) }
		if sortOrder == geoSortDesc {
			cmp = func(a, b *geoPoint) int { return cmpDist(b.dist, a.dist) }
		}
		if returned == len(points) {
			slices.SortStableFunc(points, func(a, b geoPoint) int { return cmp(&a, &b) })
		} else {
			geoPartialSort(points, 0, returned-1, cmp)
		}
	}
	points = points[:returned]

	if storeKey != nil {
		geoStore(c, storeKey, points, shape.Conversion, storeDist, search)
		return
	}
	nested := 0
	for _, w := range [...]bool{withDist, withHash, withCoord} {
		if w {
			nested++
		}
	}
	c.AddArrayLen(returned)
	for i := range points {
		p := &points[i]
		if nested > 0 {
			c.AddArrayLen(nested + 1)
		}
		c.AddBulk(p.member)
		if withDist {
			c.addGeoDistance(p.dist / shape.Conversion)
		}
		if withHash {
			c.AddInt(int64(p.score))
		}
		if withCoord {
			c.AddArrayLen(2)
			c.addHumanDouble(p.lon)
			c.addHumanDouble(p.lat)
		}
	}
}

func cmpDist(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a == b:
		return 0
	}
	return -1
}

// geoCollect gathers the members of zs inside shape, cell by cell: the
// center's cell, then its neighbors. With limit > 0 it stops once it has
// that many. Member bytes are copied (or, from a skiplist, shared: they
// are immutable), so the result outlives a write to the key.
func geoCollect(zs *zset, shape *geo.Shape, limit int) []geoPoint {
	cells := shape.Cells()
	var points []geoPoint
	last := 0
	for i, h := range cells {
		if h.IsZero() {
			continue
		}
		// A huge search makes neighbors coincide; do not scan one twice.
		// (As in Valkey, a neighbor equal to the center's own cell is
		// scanned again.)
		if last != 0 && h == cells[last] {
			continue
		}
		if limit > 0 && len(points) >= limit {
			break
		}
		lo, hi := geo.CellScores(h)
		points = geoCollectRange(zs, shape, float64(lo), float64(hi), limit, points)
		last = i
	}
	return points
}

// geoCollectRange appends the members with scores in [lo, hi) inside shape.
func geoCollectRange(zs *zset, shape *geo.Shape, lo, hi float64, limit int, points []geoPoint) []geoPoint {
	r := zrangeSpec{min: lo, max: hi, maxex: true}
	consider := func(score float64) (geoPoint, bool) {
		lon, lat, ok := geo.DecodeScore(score)
		if !ok {
			return geoPoint{}, false
		}
		d, in := shape.Contains(lon, lat)
		return geoPoint{lon: lon, lat: lat, dist: d, score: score}, in
	}
	if zs.isListpack() {
		lp := zs.lp
		var buf [24]byte
		// The copies of the members share one growing buffer: a slice
		// taken from it stays valid when a later append moves it.
		var names []byte
		for p := zzlFirstInRange(lp, &r); p >= 0; p = zzlNext(lp, p) {
			score := zzlPairScore(lp, p)
			if !r.lteMax(score) {
				break
			}
			if gp, in := consider(score); in {
				start := len(names)
				names = append(names, listpack.GetString(lp, p, buf[:0])...)
				gp.member = names[start:len(names):len(names)]
				points = append(points, gp)
			}
			if limit > 0 && len(points) >= limit {
				break
			}
		}
		return points
	}
	n, _ := zs.z.nthInRange(&r, 0)
	for ; n != nil; n = n.succ() {
		if !r.lteMax(n.score) {
			break
		}
		if gp, in := consider(n.score); in {
			gp.member = zbytes(n.ele())
			points = append(points, gp)
		}
		if limit > 0 && len(points) >= limit {
			break
		}
	}
	return points
}

// geoStore writes the results to key as a sorted set scored by geohash,
// or by distance in the shape's unit (STOREDIST), and replies the count.
func geoStore(c *Client, key []byte, points []geoPoint, conv float64, byDist, search bool) {
	if len(points) == 0 {
		deleteStoreTarget(c, key)
		return
	}
	srv, db := c.srv, c.db()
	z := newZsetObj(len(points))
	maxLen, totLen := 0, 0
	for i := range points {
		p := &points[i]
		score := p.score
		if byDist {
			score = p.dist / conv
		}
		maxLen = max(maxLen, len(p.member))
		totLen += len(p.member)
		z.add(string(p.member), score)
	}
	res := zset{z: z}
	res.convertToListpackIfNeeded(srv.Cfg, maxLen, totLen)
	db.Set(key, res.value(), false)
	srv.signalKeyAsReady(db, key, TypeZSet)
	srv.keyModified(db, key)
	ev := "georadiusstore"
	if search {
		ev = "geosearchstore"
	}
	srv.notifyKeyspaceEvent(config.NotifyZset, ev, key, db.ID)
	srv.Dirty += int64(len(points))
	c.AddInt(int64(len(points)))
}
