package iothreads

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/volleydb/volley/engine"
)

func TestParseTLSProtocols(t *testing.T) {
	for _, tc := range []struct {
		in       string
		min, max uint16
		bad      bool
	}{
		{"", tls.VersionTLS12, tls.VersionTLS13, false},
		{"TLSv1.2", tls.VersionTLS12, tls.VersionTLS12, false},
		{"tlsv1.3", tls.VersionTLS13, tls.VersionTLS13, false},
		{"TLSv1.3 TLSv1.2", tls.VersionTLS12, tls.VersionTLS13, false},
		{"TLSv1 TLSv1.1", tls.VersionTLS10, tls.VersionTLS11, false},
		{"TLSv1.2  TLSv1.3", 0, 0, true}, // an empty token, as Valkey splits
		{"SSLv3", 0, 0, true},
		{"TLSv1.4", 0, 0, true},
	} {
		minV, maxV, err := parseTLSProtocols(tc.in)
		if (err != nil) != tc.bad || minV != tc.min || maxV != tc.max {
			t.Errorf("%q: %x..%x, %v", tc.in, minV, maxV, err)
		}
	}
}

func suiteNames(ids []uint16) []string {
	var out []string
	for _, id := range ids {
		for _, s := range tlsSuites {
			if s.id == id {
				out = append(out, s.name)
			}
		}
	}
	return out
}

func TestParseCipherList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string // nil: fails
	}{
		{"AES128-SHA256", []string{"AES128-SHA256"}},
		{"AES256-SHA256", nil}, // crypto/tls lacks it
		{"AES128-SHA256:AES256-SHA256", []string{"AES128-SHA256"}},
		{"ECDHE+AESGCM", []string{"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256"}},
		{"kRSA+AESGCM:!AES256", []string{"AES128-GCM-SHA256"}},
		{"kRSA+AES+SHA1", []string{"AES256-SHA", "AES128-SHA"}}, // AES: both key sizes, as OpenSSL's alias
		{"!AES256:kRSA+AESGCM", []string{"AES128-GCM-SHA256"}},
		{"-ALL:AES128-SHA", []string{"AES128-SHA"}},
		{"AES128-SHA:AES256-SHA:+AES128-SHA", []string{"AES256-SHA", "AES128-SHA"}},
		{"DHE-RSA-AES256-GCM-SHA384", nil},
		{"", nil},
		{"@STRENGTH", nil},
		{"RC4:-RC4", nil},
	} {
		ids, err := parseCipherList(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("%q: %v, want an error", tc.in, suiteNames(ids))
			}
			continue
		}
		if err != nil || !slices.Equal(suiteNames(ids), tc.want) {
			t.Errorf("%q: %v (%v), want %v", tc.in, suiteNames(ids), err, tc.want)
		}
	}
	// DEFAULT and HIGH leave out RC4 and 3DES; ALL has them.
	def, _ := parseCipherList("DEFAULT")
	high, _ := parseCipherList("HIGH")
	all, _ := parseCipherList("ALL")
	if len(def) != len(high) || len(all) != len(tlsSuites) || slices.Contains(def, tls.TLS_RSA_WITH_RC4_128_SHA) {
		t.Errorf("DEFAULT %d, HIGH %d, ALL %d suites", len(def), len(high), len(all))
	}
	d2, _ := parseCipherList("DEFAULT:-AES128-SHA256")
	if len(d2) != len(def)-1 || slices.Contains(d2, tls.TLS_RSA_WITH_AES_128_CBC_SHA256) {
		t.Errorf("DEFAULT:-AES128-SHA256: %v", suiteNames(d2))
	}
}

func FuzzParseCipherList(f *testing.F) {
	for _, s := range []string{"DEFAULT", "HIGH:!aNULL:!MD5", "ECDHE+AESGCM:+AES128", "-ALL:AES128-SHA256", "@SECLEVEL=1:ALL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := parseCipherList(s)
		if (err == nil) == (len(ids) == 0) {
			t.Fatalf("%q: %d suites, error %v", s, len(ids), err)
		}
		seen := map[uint16]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%q: suite %x twice", s, id)
			}
			seen[id] = true
		}
	})
}

func FuzzParseTLSProtocols(f *testing.F) {
	for _, s := range []string{"", "TLSv1.2 TLSv1.3", "tlsv1", "TLSv1.1  x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		minV, maxV, err := parseTLSProtocols(s)
		if err == nil && (minV < tls.VersionTLS10 || maxV > tls.VersionTLS13 || minV > maxV) {
			t.Fatalf("%q: %x..%x", s, minV, maxV)
		}
	})
}

// testKey returns an ECDSA key and its PKCS#8 DER.
func testKey(t testing.TB) (*ecdsa.PrivateKey, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, der
}

func TestDecryptKeyPEM(t *testing.T) {
	_, der := testKey(t)
	plain := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if got, err := decryptKeyPEM(plain, ""); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("an unencrypted key changed: %v", err)
	}

	// The legacy PEM encryption.
	//lint:ignore SA1019 making the legacy format to read it
	blk, err := x509.EncryptPEMBlock(rand.Reader, "PRIVATE KEY", der, []byte("1234"), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	legacy := pem.EncodeToMemory(blk)
	if got, err := decryptKeyPEM(legacy, "1234"); err != nil || !bytes.Contains(got, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})) {
		t.Fatalf("legacy: %v", err)
	}
	if _, err := decryptKeyPEM(legacy, "wrong"); err == nil {
		t.Fatal("legacy: a wrong passphrase decrypted")
	}
	if _, err := decryptKeyPEM(legacy, ""); err != errNoPassphrase {
		t.Fatalf("legacy without a passphrase: %v", err)
	}

	// PKCS#8 PBES2, as OpenSSL writes it.
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl to encrypt a PKCS#8 key")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(in, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-v2", "aes-256-cbc"}, // OpenSSL 3's default: PBKDF2 with HMAC-SHA256
		{"-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1"},
	} {
		out := filepath.Join(dir, "enc.pem")
		cmd := exec.Command("openssl", append([]string{"pkcs8", "-topk8", "-in", in, "-out", out, "-passout", "pass:1234"}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl: %v\n%s", err, b)
		}
		enc, _ := os.ReadFile(out)
		if !bytes.Contains(enc, []byte("ENCRYPTED PRIVATE KEY")) {
			t.Fatalf("openssl wrote %s", enc)
		}
		got, err := decryptKeyPEM(enc, "1234")
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if b, _ := pem.Decode(got); b == nil || !bytes.Equal(b.Bytes, der) {
			t.Fatalf("%v: decrypted to another key", args)
		}
		if _, err := decryptKeyPEM(enc, "4321"); err == nil {
			t.Fatalf("%v: a wrong passphrase decrypted", args)
		}
	}
}

func FuzzDecryptKeyPEM(f *testing.F) {
	_, der := testKey(f)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), "x")
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der}), "x")
	f.Fuzz(func(t *testing.T, b []byte, pass string) {
		_, _ = decryptKeyPEM(b, pass)
		blk, _ := pem.Decode(b)
		if blk != nil {
			_, _ = decryptPKCS8(blk.Bytes, pass)
		}
		_, _ = decryptPKCS8(b, pass)
	})
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, _ := testKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "s"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}

// resumes handshakes twice over loopback with one client session cache
// and reports whether the second resumed the first's session.
func resumes(t *testing.T, server *tls.Config, pool *x509.CertPool) bool {
	cache := tls.NewLRUClientSessionCache(4)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var resumed bool
	for i := range 2 {
		done := make(chan error, 1)
		go func() {
			a, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			s := tls.Server(a, server)
			err = s.Handshake()
			if err == nil {
				_, err = s.Write([]byte("x")) // TLS 1.3 tickets follow the handshake
			}
			done <- err
			s.Close()
		}()
		b, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c := tls.Client(b, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", ClientSessionCache: cache})
		var one [1]byte
		// The byte may come with io.EOF: the close follows it.
		if n, err := c.Read(one[:]); n != 1 {
			t.Fatal(err, <-done)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			resumed = c.ConnectionState().DidResume
		}
		c.Close()
	}
	return resumed
}

func TestTLSSessionCaching(t *testing.T) {
	cert, pool := selfSigned(t)
	dir := t.TempDir()
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	kder, _ := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	os.WriteFile(filepath.Join(dir, "c.crt"), certPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "c.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)
	log := engine.NewLogger(discard{}, engine.LogWarning)
	st := tlsSettings{certFile: filepath.Join(dir, "c.crt"), keyFile: filepath.Join(dir, "c.key"),
		auth: authNo, sessionCaching: true, sessionTimeout: 300}
	for _, proto := range []string{"TLSv1.3", "TLSv1.2"} {
		st.protocols = proto
		st.sessionCaching, st.sessionTimeout = true, 300
		c, err := buildTLS(st, log)
		if err != nil {
			t.Fatal(err)
		}
		if !resumes(t, c.byAuth[authNo], pool) {
			t.Errorf("%s: tls-session-caching yes did not resume", proto)
		}
		st.sessionTimeout = 0
		if c, _ = buildTLS(st, log); resumes(t, c.byAuth[authNo], pool) {
			t.Errorf("%s: a session older than tls-session-cache-timeout resumed", proto)
		}
		st.sessionCaching, st.sessionTimeout = false, 300
		if c, _ = buildTLS(st, log); resumes(t, c.byAuth[authNo], pool) {
			t.Errorf("%s: tls-session-caching no resumed", proto)
		}
	}
}
