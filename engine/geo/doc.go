// Package geo is the arithmetic behind the GEO commands: the 52-bit
// interleaved geohash that GEOADD stores as a sorted set score, its
// decoding back to a longitude and latitude, great-circle distances, and
// the search shapes (circle, box, polygon) with the nine geohash boxes
// that cover each.
//
// Every formula follows Valkey's operation for operation, in float64 and
// in the same order, because the results are observable: GEOPOS prints
// coordinates with 17 decimals, scores are compared bit for bit, and a
// point on the edge of a search area must fall on the same side.
//
// The package is pure: no state, safe for any goroutine.
package geo
