package iothreads

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
)

// tls-ciphers: an OpenSSL cipher list for TLS 1.2 and older, read over
// the suites crypto/tls implements. It supports what such lists are made
// of: suite names (OpenSSL's spelling), aliases (HIGH, DEFAULT, ALL,
// kECDHE, aRSA, AESGCM, SHA256, ...), terms joined with '+' (all must
// match), and the prefixes '!' (remove for good), '-' (remove) and '+'
// (move to the end); @STRENGTH and @SECLEVEL are ignored. An alias or
// name of something crypto/tls lacks (DHE, CAMELLIA, PSK, ...) matches
// nothing, as OpenSSL skips what it does not know, and a list that
// leaves no suite fails as OpenSSL's does.
//
// What cannot be honoured: the order (crypto/tls picks among the allowed
// suites by its own preference), and suites crypto/tls does not have at
// all (AES256-SHA256, the DHE ones): a client that offers only those
// fails the handshake.

type tlsSuite struct {
	id   uint16
	name string   // OpenSSL's name
	tags []string // the aliases it belongs to
}

// tlsSuites in OpenSSL's default preference order.
var tlsSuites = []tlsSuite{
	suite(tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", "kECDHE aECDSA AES256 AESGCM SHA384"),
	suite(tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", "kECDHE aRSA AES256 AESGCM SHA384"),
	suite(tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", "kECDHE aECDSA CHACHA20"),
	suite(tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", "kECDHE aRSA CHACHA20"),
	suite(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", "kECDHE aECDSA AES128 AESGCM SHA256"),
	suite(tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", "kECDHE aRSA AES128 AESGCM SHA256"),
	suite(tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", "kECDHE aECDSA AES128 SHA256"),
	suite(tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", "kECDHE aRSA AES128 SHA256"),
	suite(tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", "kECDHE aECDSA AES256 SHA1"),
	suite(tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", "kECDHE aRSA AES256 SHA1"),
	suite(tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", "kECDHE aECDSA AES128 SHA1"),
	suite(tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", "kECDHE aRSA AES128 SHA1"),
	suite(tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", "kRSA aRSA AES256 AESGCM SHA384"),
	suite(tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", "kRSA aRSA AES128 AESGCM SHA256"),
	suite(tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", "kRSA aRSA AES128 SHA256"),
	suite(tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", "kRSA aRSA AES256 SHA1"),
	suite(tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", "kRSA aRSA AES128 SHA1"),
	suite(tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", "kECDHE aRSA 3DES SHA1"),
	suite(tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", "kRSA aRSA 3DES SHA1"),
	suite(tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, "ECDHE-ECDSA-RC4-SHA", "kECDHE aECDSA RC4 SHA1"),
	suite(tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, "ECDHE-RSA-RC4-SHA", "kECDHE aRSA RC4 SHA1"),
	suite(tls.TLS_RSA_WITH_RC4_128_SHA, "RC4-SHA", "kRSA aRSA RC4 SHA1"),
}

// suite makes a tlsSuite from its facts (key exchange, authentication,
// cipher, MAC) and adds the tags that follow from them: AES, AEAD, the
// protocol, the strength and whether DEFAULT has it.
func suite(id uint16, name, facts string) tlsSuite {
	tags := strings.Fields(facts)
	has := func(t string) bool { return slices.Contains(tags, t) }
	if has("AES128") || has("AES256") {
		tags = append(tags, "AES")
	}
	aead := has("AESGCM") || has("CHACHA20")
	if aead {
		tags = append(tags, "AEAD")
	}
	if aead || has("SHA256") || has("SHA384") {
		tags = append(tags, "TLSv1.2")
	} else {
		tags = append(tags, "TLSv1.0")
	}
	switch {
	case has("RC4"):
		tags = append(tags, "LOW", "COMPLEMENTOFDEFAULT")
	case has("3DES"):
		tags = append(tags, "MEDIUM", "COMPLEMENTOFDEFAULT")
	default:
		tags = append(tags, "HIGH", "DEFAULT")
	}
	return tlsSuite{id, name, tags}
}

// cipherAliases are other names of tags (OpenSSL's synonyms).
var cipherAliases = map[string]string{
	"ECDHE": "kECDHE", "EECDH": "kECDHE", "kEECDH": "kECDHE",
	"RSA": "kRSA", "ECDSA": "aECDSA",
	"SHA": "SHA1", "SSLv3": "TLSv1.0", "TLSv1": "TLSv1.0",
}

var errNoCipherMatch = errors.New("no cipher match")

// matches reports whether suite s is selected by term: a name, or tags
// joined by '+'.
func (s *tlsSuite) matches(term string) bool {
	if strings.EqualFold(term, s.name) {
		return true
	}
	for part := range strings.SplitSeq(term, "+") {
		if a, ok := cipherAliases[part]; ok {
			part = a
		}
		if part != "ALL" && !slices.Contains(s.tags, part) {
			return false
		}
	}
	return true
}

// parseCipherList returns the suite IDs an OpenSSL cipher list selects.
func parseCipherList(list string) ([]uint16, error) {
	var sel []int
	killed := make([]bool, len(tlsSuites))
	for tok := range strings.FieldsFuncSeq(list, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		op := byte(0)
		switch tok[0] {
		case '!', '-', '+':
			op, tok = tok[0], tok[1:]
		}
		if tok == "" || tok[0] == '@' {
			continue
		}
		var moved []int
		for i := range tlsSuites {
			if !tlsSuites[i].matches(tok) {
				continue
			}
			at := slices.Index(sel, i)
			switch op {
			case 0:
				if at < 0 && !killed[i] {
					sel = append(sel, i)
				}
			case '!':
				killed[i] = true
				fallthrough
			case '-':
				if at >= 0 {
					sel = slices.Delete(sel, at, at+1)
				}
			case '+':
				if at >= 0 {
					sel = slices.Delete(sel, at, at+1)
					moved = append(moved, i)
				}
			}
		}
		sel = append(sel, moved...)
	}
	if len(sel) == 0 {
		return nil, errNoCipherMatch
	}
	ids := make([]uint16, len(sel))
	for j, i := range sel {
		ids[j] = tlsSuites[i].id
	}
	return ids, nil
}
