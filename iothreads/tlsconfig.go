package iothreads

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
)

// The TLS configuration, built from the tls-* directives as Valkey builds
// its SSL_CTX (tls.c tlsConfigure): the same checks, in the same order,
// logging the same lines. What crypto/tls cannot do is said where it is
// set up below.

// Client certificate modes, tls-auth-clients' values (config/enums.go).
const (
	authNo       = 0
	authYes      = 1
	authOptional = 2
)

// tlsConfigs is one configuration, in a variant for each tls-auth-clients
// mode: that directive is read per connection, as in Valkey, and changing
// it loads nothing.
type tlsConfigs struct {
	byAuth [3]*tls.Config
	client *tls.Config // this server's side of a replication link it opens
}

// tlsSettings are the directives one configuration is built from.
type tlsSettings struct {
	certFile, keyFile, keyPass string
	clientCert, clientKey      string
	clientKeyPass              string
	caFile, caDir              string
	dhParams                   string
	protocols, ciphers, suites string
	auth                       int
	replication, cluster       bool
	sessionCaching             bool
	sessionTimeout             int64 // seconds
	preferServer               bool
}

func readTLSSettings(cfg *config.Config) tlsSettings {
	v := func(name string) string { s, _ := cfg.Value(name); return s }
	n := func(name string) int64 { x, _ := strconv.ParseInt(v(name), 10, 64); return x }
	return tlsSettings{
		certFile:       v("tls-cert-file"),
		keyFile:        v("tls-key-file"),
		keyPass:        v("tls-key-file-pass"),
		clientCert:     v("tls-client-cert-file"),
		clientKey:      v("tls-client-key-file"),
		clientKeyPass:  v("tls-client-key-file-pass"),
		caFile:         v("tls-ca-cert-file"),
		caDir:          v("tls-ca-cert-dir"),
		dhParams:       v("tls-dh-params-file"),
		protocols:      v("tls-protocols"),
		ciphers:        v("tls-ciphers"),
		suites:         v("tls-ciphersuites"),
		auth:           authMode(v("tls-auth-clients")),
		replication:    v("tls-replication") == "yes",
		cluster:        v("tls-cluster") == "yes",
		sessionCaching: v("tls-session-caching") == "yes",
		sessionTimeout: n("tls-session-cache-timeout"),
		preferServer:   v("tls-prefer-server-ciphers") == "yes",
	}
}

// tlsWanted reports whether TLS is to be configured at all: Valkey does
// so for a TLS port, and for TLS replication or cluster links.
func tlsWanted(cfg *config.Config) bool {
	v := func(name string) string { s, _ := cfg.Value(name); return s }
	return cfg.TLSPort != 0 || v("tls-replication") == "yes" || v("tls-cluster") == "yes"
}

func authMode(v string) int {
	switch v {
	case "no":
		return authNo
	case "optional":
		return authOptional
	}
	return authYes
}

// errTLSConfig is returned once the reason has been logged.
var errTLSConfig = errors.New("TLS configuration failed")

// buildTLS makes a configuration from st, logging why it cannot as
// Valkey logs it.
func buildTLS(st tlsSettings, log *engine.Logger) (*tlsConfigs, error) {
	fail := func(format string, args ...any) (*tlsConfigs, error) {
		log.Warningf(format, args...)
		return nil, errTLSConfig
	}
	if st.certFile == "" {
		return fail("No tls-cert-file configured!")
	}
	if st.keyFile == "" {
		return fail("No tls-key-file configured!")
	}
	if (st.auth != authNo || st.cluster || st.replication) && st.caFile == "" && st.caDir == "" {
		return fail("Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, " +
			"tls-replication or tls-auth-clients are enabled!")
	}
	minV, maxV, err := parseTLSProtocols(st.protocols)
	if err != nil {
		return fail("%s", err.Error())
	}

	cert, err := loadKeyPair(st.certFile, st.keyFile, st.keyPass, log)
	if err != nil {
		return nil, err
	}
	base := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   minV,
		MaxVersion:   maxV,
		// Valkey refuses renegotiation started by a client; a Go server
		// never renegotiates.
	}
	// The CA certificates verify clients. Without any (possible only
	// with tls-auth-clients no, or set to yes later) a client
	// certificate cannot verify, as with OpenSSL's empty store; Go would
	// fall back to the system's roots.
	pool := x509.NewCertPool()
	if st.caFile != "" || st.caDir != "" {
		if err := loadCAs(pool, st.caFile, st.caDir); err != nil {
			return fail("Failed to configure CA certificate(s) file/directory: %s", err.Error())
		}
	}
	base.ClientCAs = pool

	if st.ciphers != "" {
		ids, err := parseCipherList(st.ciphers)
		if err != nil {
			return fail("Failed to configure ciphers: %s", st.ciphers)
		}
		base.CipherSuites = ids
	}
	// tls-ciphersuites (TLS 1.3) cannot be honoured: crypto/tls does not
	// let the TLS 1.3 suites be chosen; it offers the three suites
	// OpenSSL enables by default. OpenSSL 3 skips names it does not
	// know, so no value fails there either.
	// tls-prefer-server-ciphers cannot be honoured either: crypto/tls
	// chooses the suite itself (by hardware support) and ignores both
	// sides' order.

	if st.dhParams != "" {
		// crypto/tls has no finite-field Diffie-Hellman: the file is only
		// checked for being readable, as the first thing Valkey checks.
		if f, err := os.Open(st.dhParams); err != nil {
			return fail("Failed to load %s: %s", st.dhParams, config.Strerror(err))
		} else {
			f.Close()
		}
	}
	// The client side, for the links this server opens (replication),
	// presents tls-client-cert-file if there is one, else the server's
	// certificate, as Valkey's client context does.
	clientCert := cert
	if st.clientCert != "" && st.clientKey != "" {
		if clientCert, err = loadKeyPair(st.clientCert, st.clientKey, st.clientKeyPass, log); err != nil {
			return nil, err
		}
	}

	if st.sessionCaching {
		setSessionTimeout(base, time.Duration(st.sessionTimeout)*time.Second)
	} else {
		base.SessionTicketsDisabled = true
	}

	out := &tlsConfigs{client: clientTLS(clientCert, pool, base)}
	for mode, auth := range [3]tls.ClientAuthType{
		authNo:       tls.NoClientCert,
		authYes:      tls.RequireAndVerifyClientCert,
		authOptional: tls.VerifyClientCertIfGiven,
	} {
		c := base
		if mode != authNo {
			c = base.Clone() // shares the session ticket keys with base
		}
		c.ClientAuth = auth
		out.byAuth[mode] = c
	}
	return out, nil
}

// clientTLS is the configuration of a connection this server opens: it
// presents cert and verifies the peer's chain against the CA
// certificates, without checking a host name, as OpenSSL's
// SSL_VERIFY_PEER does for Valkey (which names no host to check).
func clientTLS(cert tls.Certificate, roots *x509.CertPool, base *tls.Config) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   base.MinVersion,
		MaxVersion:   base.MaxVersion,
		CipherSuites: base.CipherSuites,
		// The chain is verified below, by VerifyConnection; crypto/tls's
		// own verification would also demand the host name.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("peer did not return a certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
				Roots:         roots,
				Intermediates: inter,
				KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, // as OpenSSL's client checks the "sslserver" purpose
			})
			return err
		},
	}
}

// Session resumption. OpenSSL keeps a server-side session cache
// (tls-session-cache-size entries, each valid tls-session-cache-timeout
// seconds); crypto/tls resumes sessions from tickets the client keeps,
// encrypted with keys of the configuration, so there is no cache whose
// size could be bounded: tls-session-cache-size cannot be honoured. The
// timeout is: each ticket carries the time it was issued, and an older
// one than the timeout is refused (a full handshake follows).
// A new configuration (CONFIG SET of a tls-* directive) has new ticket
// keys, so earlier sessions are dropped as Valkey drops its cache with
// its SSL_CTX.

const ticketStampLen = 8

func setSessionTimeout(c *tls.Config, timeout time.Duration) {
	c.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		stamp := binary.BigEndian.AppendUint64(nil, uint64(time.Now().Unix()))
		ss.Extra = append(ss.Extra, stamp)
		return c.EncryptTicket(cs, ss)
	}
	c.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := c.DecryptTicket(identity, cs)
		if ss == nil || err != nil {
			return nil, err
		}
		if len(ss.Extra) == 0 || len(ss.Extra[len(ss.Extra)-1]) != ticketStampLen {
			return nil, nil
		}
		issued := int64(binary.BigEndian.Uint64(ss.Extra[len(ss.Extra)-1]))
		if time.Since(time.Unix(issued, 0)) >= timeout {
			return nil, nil
		}
		ss.Extra = ss.Extra[:len(ss.Extra)-1]
		return ss, nil
	}
}

// parseTLSProtocols reads tls-protocols: space-separated protocol names,
// any case; empty means TLSv1.2 and TLSv1.3. crypto/tls takes a range of
// versions, so a set with a gap ("TLSv1 TLSv1.2") allows the versions in
// between too.
func parseTLSProtocols(s string) (minV, maxV uint16, err error) {
	if s == "" {
		return tls.VersionTLS12, tls.VersionTLS13, nil
	}
	for _, tok := range strings.Split(s, " ") {
		var v uint16
		switch strings.ToLower(tok) {
		case "tlsv1":
			v = tls.VersionTLS10
		case "tlsv1.1":
			v = tls.VersionTLS11
		case "tlsv1.2":
			v = tls.VersionTLS12
		case "tlsv1.3":
			v = tls.VersionTLS13
		default:
			return 0, 0, valkeyText("Invalid tls-protocols specified. " +
				"Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.")
		}
		if minV == 0 || v < minV {
			minV = v
		}
		maxV = max(maxV, v)
	}
	return minV, maxV, nil
}

// loadKeyPair loads a certificate chain and its private key, logging a
// failure as Valkey does.
func loadKeyPair(certFile, keyFile, pass string, log *engine.Logger) (tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err == nil {
		err = checkPEMCerts(certPEM)
	}
	if err != nil {
		log.Warningf("Failed to load certificate: %s: %s", certFile, config.Strerror(err))
		return tls.Certificate{}, errTLSConfig
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err == nil {
		keyPEM, err = decryptKeyPEM(keyPEM, pass)
	}
	var cert tls.Certificate
	if err == nil {
		cert, err = tls.X509KeyPair(certPEM, keyPEM)
	}
	if err != nil {
		log.Warningf("Failed to load private key: %s: %s", keyFile, config.Strerror(err))
		return tls.Certificate{}, errTLSConfig
	}
	return cert, nil
}

// checkPEMCerts checks that b holds at least one certificate and that
// every certificate parses.
func checkPEMCerts(b []byte) error {
	n := 0
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return errors.New("no certificate found (PEM expected)")
	}
	return nil
}

// loadCAs adds the certificates of a file and of every file in a
// directory to pool. OpenSSL looks certificates up in a directory by
// their subject hash (c_rehash links); taking every certificate the
// directory holds trusts the same ones.
func loadCAs(pool *x509.CertPool, file, dir string) error {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return errors.New(config.Strerror(err))
		}
		if !pool.AppendCertsFromPEM(b) {
			return fmt.Errorf("%s: no certificate found", file)
		}
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return errors.New(config.Strerror(err))
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				pool.AppendCertsFromPEM(b)
			}
		}
	}
	return nil
}
