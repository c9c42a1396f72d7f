package geo

import "math"

// EarthRadius is the Earth's quadratic mean radius (WGS-84) in meters, the
// sphere every distance is measured on.
const EarthRadius = 6372797.560856

// mercatorMax is half the width of the Web Mercator square in meters.
const mercatorMax = 20037726.37

// degToRad is pi/180 computed in float64 arithmetic, as a C compiler does,
// not as Go's exact constant arithmetic would (they differ in the last bit).
var degToRad = func() float64 { pi := math.Pi; return pi / 180.0 }()

func radians(deg float64) float64 { return deg * degToRad }
func degrees(rad float64) float64 { return rad / degToRad }

// latDistance is the distance along a meridian between two latitudes.
func latDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(radians(lat2)-radians(lat1))
}

// Distance is the great-circle (haversine) distance in meters between two
// points given in degrees.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r := radians(lon1)
	lon2r := radians(lon2)
	v := Sin((lon2r - lon1r) / 2)
	if math.Abs(v) <= 1e-15 {
		// Same meridian (to about 6 nm): the formula reduces to the
		// latitude difference, and skipping it keeps the result exact.
		return latDistance(lat1, lat2)
	}
	lat1r := radians(lat1)
	lat2r := radians(lat2)
	u := Sin((lat2r - lat1r) / 2)
	a := u*u + Cos(lat1r)*Cos(lat2r)*v*v
	return 2.0 * EarthRadius * Asin(math.Sqrt(a))
}

// EstimateStep is the geohash step whose cells are about as large as a
// search of the given radius (meters) around latitude lat needs, so that
// the cell of the center and its eight neighbors cover the search.
func EstimateStep(radius, lat float64) uint8 {
	if radius == 0 {
		return StepMax
	}
	step := 1
	for radius < mercatorMax {
		radius *= 2
		step++
	}
	step -= 2 // a margin: the search must fit in most cases
	// Meridians converge towards the poles: cells narrow, so go coarser.
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), StepMax))
}

// Kind is the kind of search area.
type Kind uint8

const (
	Circle  Kind = iota + 1 // Radius around (Lon, Lat)
	Box                     // Width by Height centered on (Lon, Lat)
	Polygon                 // Points, closed; (Lon, Lat) is set to its centroid
)

// Shape is a search area. Radius, Width and Height are in units of
// Conversion meters (1 for meters, 1000 for km, ...); a polygon's
// vertices are in degrees and its Conversion is 1.
type Shape struct {
	Kind          Kind
	Lon, Lat      float64      // the center: distances are measured from it
	Conversion    float64      // meters per unit
	Radius        float64      // Circle
	Width, Height float64      // Box
	Points        [][2]float64 // Polygon: (lon, lat) vertices

	// bounds is the bounding box: min lon, min lat, max lon, max lat.
	bounds [4]float64
}

// boundingBox sets s.bounds, and for a polygon the center: the centroid
// of its vertices taken as unit vectors in space.
func (s *Shape) boundingBox() {
	var height, width float64
	switch s.Kind {
	case Circle:
		height = s.Conversion * s.Radius
		width = s.Conversion * s.Radius
	case Box:
		height = s.Conversion * s.Height / 2
		width = s.Conversion * s.Width / 2
	case Polygon:
		minLon, maxLon := LonMax, LonMin
		minLat, maxLat := LatMax, LatMin
		var x, y, z float64
		for _, p := range s.Points {
			lon, lat := p[0], p[1]
			minLon, maxLon = min(minLon, lon), max(maxLon, lon)
			minLat, maxLat = min(minLat, lat), max(maxLat, lat)
			lonr, latr := radians(lon), radians(lat)
			x += Cos(latr) * Cos(lonr)
			y += Cos(latr) * Sin(lonr)
			z += Sin(latr)
		}
		s.bounds = [4]float64{minLon, minLat, maxLon, maxLat}
		s.Lon = degrees(Atan2(y, x))
		s.Lat = degrees(Atan2(z, math.Sqrt(x*x+y*y)))
		return
	}
	latDelta := degrees(height / EarthRadius)
	lonDeltaTop := degrees(width / EarthRadius / Cos(radians(s.Lat+latDelta)))
	lonDeltaBottom := degrees(width / EarthRadius / Cos(radians(s.Lat-latDelta)))
	// Longitude degrees are widest on the side nearer the equator.
	lonDelta := lonDeltaTop
	if s.Lat < 0 {
		lonDelta = lonDeltaBottom
	}
	s.bounds = [4]float64{s.Lon - lonDelta, s.Lat - latDelta, s.Lon + lonDelta, s.Lat + latDelta}
}

// Cells returns the geohash cells to scan for points in s: the cell of
// its center first, then the neighbors in a fixed order, some of them
// zero (not needed). It sets the center of a polygon.
func (s *Shape) Cells() [9]Hash {
	s.boundingBox()
	minLon, minLat, maxLon, maxLat := s.bounds[0], s.bounds[1], s.bounds[2], s.bounds[3]

	var radius float64
	switch s.Kind {
	case Circle:
		radius = s.Radius
	case Box:
		radius = math.Sqrt((s.Width/2)*(s.Width/2) + (s.Height/2)*(s.Height/2))
	case Polygon:
		// The farthest corner of the bounding box from the centroid.
		radius = Distance(s.Lon, s.Lat, minLon, maxLat)
		radius = max(radius, Distance(s.Lon, s.Lat, maxLon, maxLat))
		radius = max(radius, Distance(s.Lon, s.Lat, minLon, minLat))
		radius = max(radius, Distance(s.Lon, s.Lat, maxLon, minLat))
	}
	radius *= s.Conversion

	step := EstimateStep(radius, s.Lat)
	hash, _ := Encode(lonRange, latRange, s.Lon, s.Lat, step)
	nb := NeighborsOf(hash)
	area, _ := Decode(lonRange, latRange, hash)

	// The estimate can fall short when the center sits near the edge of
	// its cell: if a neighbor does not reach the bounding box, go one step
	// coarser.
	north, _ := Decode(lonRange, latRange, nb.North)
	south, _ := Decode(lonRange, latRange, nb.South)
	east, _ := Decode(lonRange, latRange, nb.East)
	west, _ := Decode(lonRange, latRange, nb.West)
	if step > 1 && (north.Lat.Max < maxLat || south.Lat.Min > minLat || east.Lon.Max < maxLon || west.Lon.Min > minLon) {
		step--
		hash, _ = Encode(lonRange, latRange, s.Lon, s.Lat, step)
		nb = NeighborsOf(hash)
		area, _ = Decode(lonRange, latRange, hash)
	}

	// Drop the neighbors on a side the search area does not reach.
	if step >= 2 {
		if area.Lat.Min < minLat {
			nb.South, nb.SouthWest, nb.SouthEast = Hash{}, Hash{}, Hash{}
		}
		if area.Lat.Max > maxLat {
			nb.North, nb.NorthEast, nb.NorthWest = Hash{}, Hash{}, Hash{}
		}
		if area.Lon.Min < minLon {
			nb.West, nb.SouthWest, nb.NorthWest = Hash{}, Hash{}, Hash{}
		}
		if area.Lon.Max > maxLon {
			nb.East, nb.SouthEast, nb.NorthEast = Hash{}, Hash{}, Hash{}
		}
	}
	return [9]Hash{hash, nb.North, nb.South, nb.East, nb.West, nb.NorthEast, nb.NorthWest, nb.SouthEast, nb.SouthWest}
}

// CellScores is the score interval [lo, hi) of the points inside cell h.
func CellScores(h Hash) (lo, hi uint64) {
	lo = Align52(h)
	h.Bits++
	return lo, Align52(h)
}

// Contains reports whether the point (lon, lat) is inside s, and if so
// its distance in meters from s's center. Call Cells first for a polygon,
// which sets its center.
func (s *Shape) Contains(lon, lat float64) (float64, bool) {
	switch s.Kind {
	case Circle:
		d := Distance(s.Lon, s.Lat, lon, lat)
		return d, d <= s.Radius*s.Conversion
	case Box:
		width, height := s.Width*s.Conversion, s.Height*s.Conversion
		if latDistance(lat, s.Lat) > height/2 {
			return 0, false
		}
		if Distance(lon, lat, s.Lon, lat) > width/2 {
			return 0, false
		}
		return Distance(s.Lon, s.Lat, lon, lat), true
	case Polygon:
		if !InPolygon(s.Points, lon, lat) {
			return 0, false
		}
		return Distance(s.Lon, s.Lat, lon, lat), true
	}
	return 0, false
}

// InPolygon is the even-odd (ray casting) test of the point (lon, lat)
// against the closed polygon pts, on plain longitude/latitude: a ray from
// the point towards growing longitude crosses the boundary an odd number
// of times exactly when the point is inside.
func InPolygon(pts [][2]float64, lon, lat float64) bool {
	inside := false
	for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
		a, b := pts[i], pts[j]
		if (a[1] > lat) != (b[1] > lat) &&
			lon < (b[0]-a[0])*(lat-a[1])/(b[1]-a[1])+a[0] {
			inside = !inside
		}
	}
	return inside
}
