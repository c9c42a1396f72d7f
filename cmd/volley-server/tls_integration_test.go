package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/volleydb/volley/engine/resp"
)

// TLS tests: a CA, server and client certificates are made at run time;
// the server is started with tls-port and spoken to with crypto/tls.

// testPKI is a CA and the certificates it signed, as files in dir.
type testPKI struct {
	dir    string
	caKey  *ecdsa.PrivateKey
	caCert *x509.Certificate
	pool   *x509.CertPool
	serial int64
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Volley Test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	p := &testPKI{dir: t.TempDir(), caKey: key, caCert: ca, pool: x509.NewCertPool(), serial: 1}
	p.pool.AddCert(ca)
	p.write(t, "ca.crt", "CERTIFICATE", der)
	return p
}

func (p *testPKI) path(name string) string { return filepath.Join(p.dir, name) }

func (p *testPKI) write(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(p.path(name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// issue makes a certificate and key for cn, written to name.crt and
// name.key, and returns them as a tls.Certificate.
func (p *testPKI) issue(t *testing.T, name, cn string, server bool) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	p.write(t, name+".crt", "CERTIFICATE", der)
	p.write(t, name+".key", "PRIVATE KEY", kder)
	cert, err := tls.LoadX509KeyPair(p.path(name+".crt"), p.path(name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// tlsArgs are the directives of a server with p's server certificate.
func (p *testPKI) tlsArgs(port int) []string {
	return []string{"--tls-port", strconv.Itoa(port),
		"--tls-cert-file", p.path("server.crt"), "--tls-key-file", p.path("server.key"),
		"--tls-ca-cert-file", p.path("ca.crt")}
}

// dialTLS connects to addr; cert may be nil (no client certificate).
func (p *testPKI) dialTLS(t *testing.T, addr string, cert *tls.Certificate) (*rawConn, error) {
	t.Helper()
	conf := &tls.Config{RootCAs: p.pool, ServerName: "127.0.0.1"}
	if cert != nil {
		conf.Certificates = []tls.Certificate{*cert}
	}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, conf)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, r: resp.NewReader(bufio.NewReader(c))}, nil
}

func (p *testPKI) mustDialTLS(t *testing.T, addr string, cert *tls.Certificate) *rawConn {
	t.Helper()
	c, err := p.dialTLS(t, addr, cert)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tryPing reports whether a PING over a TLS connection is answered:
// with TLS 1.3 a refused client certificate surfaces at the first read.
func (p *testPKI) tryPing(t *testing.T, addr string, cert *tls.Certificate) bool {
	t.Helper()
	c, err := p.dialTLS(t, addr, cert)
	if err != nil {
		return false
	}
	_ = c.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	b, err := c.r.ReadRaw()
	return err == nil && string(b) == "+PONG\r\n"
}

func startTLSServer(t *testing.T, args ...string) (*testServer, *testPKI, tls.Certificate, string) {
	t.Helper()
	p := newTestPKI(t)
	p.issue(t, "server", "Server", true)
	client := p.issue(t, "client", "Client-only", false)
	tp := freePort(t)
	s := startServer(t, append(p.tlsArgs(tp), args...)...)
	return s, p, client, "127.0.0.1:" + strconv.Itoa(tp)
}

func TestTLSCommands(t *testing.T) {
	s, p, client, addr := startTLSServer(t)
	c := p.mustDialTLS(t, addr, &client)
	c.Expect("+PONG\r\n", "PING")
	c.Expect("+OK\r\n", "SET", "k", "v")
	c.Expect("$1\r\nv\r\n", "GET", "k")

	// A plain client sees the same data.
	plain := dialRaw(t, s)
	plain.Expect("$1\r\nv\r\n", "GET", "k")
	plain.Expect("+OK\r\n", "SET", "k2", "from-plain")
	c.Expect("$10\r\nfrom-plain\r\n", "GET", "k2")

	// Many commands in one write, answered in order.
	var b strings.Builder
	var want []string
	for i := range 2000 {
		v := strconv.Itoa(i)
		b.WriteString(multibulk("SET", "p"+v, v))
		b.WriteString(multibulk("GET", "p"+v))
		want = append(want, "+OK\r\n", bulk(v))
	}
	c.Send(b.String())
	c.ExpectReplies("pipeline", want...)

	// A large value both ways.
	big := strings.Repeat("x", 1<<20)
	c.Expect("+OK\r\n", "SET", "big", big)
	c.Expect(bulk(big), "GET", "big")

	// HELLO 3 switches the protocol.
	if got := c.Do("HELLO", "3"); !strings.HasPrefix(got, "%7\r\n") {
		t.Fatalf("HELLO 3: %q", got)
	}
	c.Expect("_\r\n", "GET", "missing")

	// CLIENT INFO: the TLS port is the local address.
	info := c.Do("CLIENT", "INFO")
	if !strings.Contains(info, " laddr="+addr+" ") || !strings.Contains(info, " resp=3 ") {
		t.Fatalf("CLIENT INFO: %q", info)
	}
	// INFO lists the TLS listener; tcp_port is the plain port.
	srvInfo := plain.Do("INFO", "server")
	_, tp, _ := net.SplitHostPort(addr)
	for _, w := range []string{"tcp_port:" + strconv.Itoa(s.Port) + "\r\n", "listener2:name=tls,bind=127.0.0.1,port=" + tp + "\r\n"} {
		if !strings.Contains(srvInfo, w) {
			t.Fatalf("INFO server lacks %q:\n%s", w, srvInfo)
		}
	}

	// Pub/sub: a message published on the plain port reaches a TLS
	// subscriber through the engine's wake-up.
	sub := p.mustDialTLS(t, addr, &client)
	sub.Expect("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "SUBSCRIBE", "ch")
	plain.Expect(":1\r\n", "PUBLISH", "ch", "hello")
	if got := sub.Reply(); got != "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n" {
		t.Fatalf("message: %q", got)
	}

	// QUIT answers, then closes.
	c.Expect("+OK\r\n", "QUIT")
	c.ExpectClosed()
}

// Replication over TLS: a replica with tls-replication connects to its
// primary's TLS port with its client certificate and verifies the
// primary's; it announces its own TLS port. The snapshot (from disk or
// streamed to the socket), the stream, and a partial resynchronization
// after the link is killed all go over TLS.
func TestTLSReplication(t *testing.T) {
	for _, diskless := range []string{"no", "yes"} {
		t.Run("diskless-sync-"+diskless, func(t *testing.T) {
			p := newTestPKI(t)
			p.issue(t, "server", "Server", true)
			p.issue(t, "client", "Replica", false)
			pt, rt := freePort(t), freePort(t)
			primary := startServer(t, append(p.tlsArgs(pt), "--tls-replication", "yes", "--save", "", "--enable-debug-command", "yes",
				"--repl-diskless-sync", diskless, "--repl-diskless-sync-delay", "0")...)
			pc := dialRaw(t, primary)
			big := strings.Repeat("v", 3<<20) // more than one queued piece of the transfer
			pc.Expect("+OK\r\n", "set", "big", big)
			pc.Expect(":3\r\n", "rpush", "list", "a", "b", "c")

			replica := startServer(t, append(p.tlsArgs(rt), "--tls-replication", "yes", "--save", "", "--enable-debug-command", "yes",
				"--tls-client-cert-file", p.path("client.crt"), "--tls-client-key-file", p.path("client.key"),
				"--replicaof", "127.0.0.1", strconv.Itoa(pt))...)
			rc := dialRaw(t, replica)
			waitUntil(t, "the link", func() bool { return replInfo(rc, "master_link_status") == "up" })
			if got := replInfo(pc, "slave0"); !strings.HasPrefix(got, "ip=127.0.0.1,port="+strconv.Itoa(rt)+",state=online,") {
				t.Fatalf("slave0: %q", got)
			}
			for i := range 100 {
				pc.Do("set", "k"+strconv.Itoa(i), strconv.Itoa(i))
			}
			sameData := inSync(t, pc, rc)
			waitUntil(t, "the stream", sameData)
			rc.Expect(bulk(big), "get", "big")

			pc.Do("client", "kill", "type", "replica")
			pc.Expect(":4\r\n", "rpush", "list", "d")
			waitUntil(t, "the partial resynchronization", sameData)
			waitLog(t, replica, "Successful partial resynchronization with primary.")
		})
	}
}

// A TLS replica that stops reading in the middle of its snapshot is
// dropped once it has taken nothing for repl-timeout, as over plain TCP;
// the primary goes on serving.
func TestTLSReplicaThatStopsReadingIsDropped(t *testing.T) {
	s, p, client, addr := startTLSServer(t, "--repl-timeout", "1", "--save", "", "--rdbcompression", "no")
	plain := dialRaw(t, s)
	big := strings.Repeat("x", 32<<20) // far more than the socket buffers hold (rdbcompression off)
	plain.Expect("+OK\r\n", "set", "big", big)
	r := p.mustDialTLS(t, addr, &client)
	r.Send(multibulk("PSYNC", "?", "-1")) // and never read
	waitLog(t, s, "Background saving terminated with success")
	waitLog(t, s, "Connection with replica 127.0.0.1:<unknown-replica-port> lost.")
	if got := replInfo(plain, "connected_slaves"); got != "0" {
		t.Fatalf("connected_slaves %q after the drop", got)
	}
	plain.Expect("$1\r\nx\r\n", "getrange", "big", "0", "0")
}

// A replica whose primary's certificate does not verify against its CA
// certificates does not replicate, and says why.
func TestTLSReplicationVerifiesThePrimary(t *testing.T) {
	p, other := newTestPKI(t), newTestPKI(t)
	p.issue(t, "server", "Server", true)
	other.issue(t, "server", "Stranger", true)
	pt := freePort(t)
	primary := startServer(t, append(other.tlsArgs(pt), "--tls-auth-clients", "no", "--save", "")...)
	replica := startServer(t, append(p.tlsArgs(freePort(t)), "--tls-replication", "yes", "--save", "",
		"--replicaof", "127.0.0.1", strconv.Itoa(pt))...)
	waitLog(t, replica, "Error condition on socket for SYNC: ")
	waitLog(t, replica, "certificate signed by unknown authority")
	rc := dialRaw(t, replica)
	if got := replInfo(rc, "master_link_status"); got != "down" {
		t.Fatalf("master_link_status %q", got)
	}
	if got := replInfo(dialRaw(t, primary), "connected_slaves"); got != "0" {
		t.Fatalf("connected_slaves %q on the primary", got)
	}
}

func TestTLSAuthClients(t *testing.T) {
	s, p, client, addr := startTLSServer(t)
	plain := dialRaw(t, s)
	// yes, Valkey's default: a certificate is required and verified.
	if p.tryPing(t, addr, nil) {
		t.Fatal("tls-auth-clients yes: a client without a certificate was served")
	}
	if !p.tryPing(t, addr, &client) {
		t.Fatal("tls-auth-clients yes: a client with a certificate was refused")
	}
	waitLog(t, s, "Error accepting a client connection: ")
	// A certificate of another CA does not verify.
	other := newTestPKI(t)
	stranger := other.issue(t, "stranger", "Stranger", false)
	if p.tryPing(t, addr, &stranger) {
		t.Fatal("a certificate of an unknown CA was accepted")
	}

	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-auth-clients", "optional")
	if !p.tryPing(t, addr, nil) || !p.tryPing(t, addr, &client) {
		t.Fatal("tls-auth-clients optional: a client was refused")
	}
	if p.tryPing(t, addr, &stranger) {
		t.Fatal("tls-auth-clients optional: a certificate that does not verify was accepted")
	}
	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-auth-clients", "no")
	if !p.tryPing(t, addr, nil) {
		t.Fatal("tls-auth-clients no: a client without a certificate was refused")
	}
	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-auth-clients", "yes")
	if p.tryPing(t, addr, nil) {
		t.Fatal("tls-auth-clients yes again: a client without a certificate was served")
	}
}

// peerCN connects and returns the common name of the server's
// certificate.
func peerCN(t *testing.T, p *testPKI, addr string, cert *tls.Certificate) string {
	t.Helper()
	c := p.mustDialTLS(t, addr, cert)
	c.Expect("+PONG\r\n", "PING")
	st := c.c.(*tls.Conn).ConnectionState()
	return st.PeerCertificates[0].Subject.CommonName
}

func TestTLSConfigSetReloads(t *testing.T) {
	s, p, client, addr := startTLSServer(t)
	plain := dialRaw(t, s)
	old := p.mustDialTLS(t, addr, &client) // stays open across the change
	if cn := peerCN(t, p, addr, &client); cn != "Server" {
		t.Fatalf("server certificate CN %q", cn)
	}
	p.issue(t, "server2", "Server Two", true)
	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-cert-file", p.path("server2.crt"), "tls-key-file", p.path("server2.key"))
	if cn := peerCN(t, p, addr, &client); cn != "Server Two" {
		t.Fatalf("after CONFIG SET, the next connection got CN %q", cn)
	}
	old.Expect("+PONG\r\n", "PING")

	// A key that does not match is refused, and nothing changes.
	plain.Expect("-ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration. Check server logs.\r\n",
		"CONFIG", "SET", "tls-key-file", p.path("server.key"))
	waitLog(t, s, "Failed to load private key: "+p.path("server.key")+": ")
	plain.Expect("*2\r\n$12\r\ntls-key-file\r\n$"+strconv.Itoa(len(p.path("server2.key")))+"\r\n"+p.path("server2.key")+"\r\n",
		"CONFIG", "GET", "tls-key-file")
	if cn := peerCN(t, p, addr, &client); cn != "Server Two" {
		t.Fatalf("after a failed CONFIG SET, CN %q", cn)
	}
	plain.Expect("-ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration. Check server logs.\r\n",
		"CONFIG", "SET", "tls-protocols", "TLSv9")

	// bind moves the TLS listeners with the plain ones; an address kept
	// keeps its listener on the same port.
	plain.Expect("+OK\r\n", "CONFIG", "SET", "bind", "127.0.0.1 -192.0.2.1")
	if !p.tryPing(t, addr, &client) {
		t.Fatal("no TLS service after CONFIG SET bind")
	}

	// tls-port moves the listener.
	np := freePort(t)
	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-port", strconv.Itoa(np))
	naddr := "127.0.0.1:" + strconv.Itoa(np)
	if !p.tryPing(t, naddr, &client) {
		t.Fatal("no TLS service on the new tls-port")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("the old tls-port still accepts connections")
	}
	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-port", "0")
	if _, err := net.DialTimeout("tcp", naddr, time.Second); err == nil {
		t.Fatal("tls-port 0 still accepts connections")
	}
}

func TestTLSOnly(t *testing.T) {
	p := newTestPKI(t)
	p.issue(t, "server", "Server", true)
	client := p.issue(t, "client", "Client-only", false)
	tp := freePort(t)
	args := append(p.tlsArgs(tp), "--port", "0", "--bind", "127.0.0.1", "--dir", t.TempDir(), "--save", "")
	cmd := exec.Command(serverBinary(t), args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "Ready to accept connections tls") {
			break
		}
	}
	go func() {
		for sc.Scan() {
		}
	}()
	c := p.mustDialTLS(t, "127.0.0.1:"+strconv.Itoa(tp), &client)
	c.Expect("+PONG\r\n", "PING")
	if info := c.Do("INFO", "server"); !strings.Contains(info, "tcp_port:"+strconv.Itoa(tp)+"\r\n") {
		t.Fatalf("tcp_port is not the TLS port with port 0:\n%s", info)
	}
}

func TestTLSBadFilesAtStartup(t *testing.T) {
	p := newTestPKI(t)
	p.issue(t, "server", "Server", true)
	p.issue(t, "other", "Other", true)
	missing := p.path("missing.crt")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing certificate", []string{"--tls-cert-file", missing}, "Failed to load certificate: " + missing + ": No such file or directory"},
		{"not a certificate", []string{"--tls-cert-file", p.path("server.key")}, "Failed to load certificate: " + p.path("server.key") + ": "},
		{"mismatched key", []string{"--tls-key-file", p.path("other.key")}, "Failed to load private key: " + p.path("other.key") + ": "},
		{"missing CA", []string{"--tls-ca-cert-file", missing}, "Failed to configure CA certificate(s) file/directory: No such file or directory"},
		{"no CA", []string{"--tls-ca-cert-file", ""}, "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"},
		{"no certificate", []string{"--tls-cert-file", ""}, "No tls-cert-file configured!"},
		{"bad protocols", []string{"--tls-protocols", "TLSv1.2 SSLv3"}, "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."},
		{"bad ciphers", []string{"--tls-ciphers", "NOTHING-KNOWN"}, "Failed to configure ciphers: NOTHING-KNOWN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(p.tlsArgs(freePort(t)), tc.args...)
			args = append(args, "--port", strconv.Itoa(freePort(t)), "--bind", "127.0.0.1", "--dir", t.TempDir())
			out, err := exec.Command(serverBinary(t), args...).CombinedOutput()
			if code := exitCode(err); code != 1 {
				t.Fatalf("exit code %d, want 1:\n%s", code, out)
			}
			if !strings.Contains(string(out), " # "+tc.want) {
				t.Fatalf("log lacks %q:\n%s", tc.want, out)
			}
			if !strings.Contains(string(out), " # Failed to configure TLS. Check logs for more info.\n") {
				t.Fatalf("log lacks the final line:\n%s", out)
			}
		})
	}
}

func TestTLSAuthClientsUser(t *testing.T) {
	s, p, client, addr := startTLSServer(t)
	plain := dialRaw(t, s)
	plain.Expect("+OK\r\n", "ACL", "SETUSER", "Client-only", "on", ">clientpass", "allcommands", "allkeys")
	c := p.mustDialTLS(t, addr, &client)
	c.Expect("$7\r\ndefault\r\n", "ACL", "WHOAMI") // off by default

	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-auth-clients-user", "CN")
	c = p.mustDialTLS(t, addr, &client)
	c.Expect("$11\r\nClient-only\r\n", "ACL", "WHOAMI")

	// A certificate naming no user leaves the client as it was, and is
	// logged.
	nobody := p.issue(t, "nobody", "Nobody", false)
	c = p.mustDialTLS(t, addr, &nobody)
	c.Expect("$7\r\ndefault\r\n", "ACL", "WHOAMI")
	if got := plain.Do("INFO", "stats"); !strings.Contains(got, "acl_access_denied_tls_cert:1\r\n") {
		t.Fatalf("INFO stats:\n%s", got)
	}
	entry := plain.Do("ACL", "LOG", "1")
	for _, w := range []string{"$6\r\nreason\r\n$8\r\ntls-cert\r\n", "$8\r\nusername\r\n$6\r\nNobody\r\n", "$7\r\ncontext\r\n$8\r\ntoplevel\r\n", "$6\r\nobject\r\n$0\r\n\r\n"} {
		if !strings.Contains(entry, w) {
			t.Fatalf("ACL LOG entry lacks %q:\n%q", w, entry)
		}
	}
}

// The engine closes TLS clients as it closes plain ones: CLIENT KILL,
// and a subscriber that does not read past its output buffer limit
// (what the writer has queued counts, as gnet's outbound buffer does).
func TestTLSClientKillAndOutputLimit(t *testing.T) {
	s, p, client, addr := startTLSServer(t)
	plain := dialRaw(t, s)

	victim := p.mustDialTLS(t, addr, &client)
	victim.Expect("+OK\r\n", "CLIENT", "SETNAME", "victim")
	plain.Expect(":1\r\n", "CLIENT", "KILL", "USER", "default", "SKIPME", "yes")
	victim.ExpectClosed()

	plain.Expect("+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0")
	sub := p.mustDialTLS(t, addr, &client)
	sub.Expect("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", "SUBSCRIBE", "ch")
	msg := strings.Repeat("m", 64<<10)
	for i := 0; ; i++ {
		if got := plain.Do("PUBLISH", "ch", msg); got == ":0\r\n" {
			break // the subscriber is gone
		}
		if i > 10000 {
			t.Fatal("a subscriber that does not read was never disconnected")
		}
	}
	if got := plain.Do("INFO", "stats"); !strings.Contains(got, "client_output_buffer_limit_disconnections:1\r\n") {
		t.Fatalf("INFO stats:\n%s", got)
	}
	waitLog(t, s, "closed for overcoming of output buffer limits.")
}

// tls-port set at run time configures TLS first (Valkey's applyTLSPort),
// failing as Valkey does when that cannot be done.
func TestTLSPortAtRunTime(t *testing.T) {
	p := newTestPKI(t)
	p.issue(t, "server", "Server", true)
	client := p.issue(t, "client", "Client-only", false)
	s := startServer(t)
	plain := dialRaw(t, s)
	tp := strconv.Itoa(freePort(t))
	plain.Expect("-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to update TLS configuration. Check server logs.\r\n",
		"CONFIG", "SET", "tls-port", tp)
	waitLog(t, s, "No tls-cert-file configured!")
	plain.Expect("*2\r\n$8\r\ntls-port\r\n$1\r\n0\r\n", "CONFIG", "GET", "tls-port")
	// Without TLS in use the files are only recorded.
	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-cert-file", p.path("server.crt"), "tls-key-file", p.path("server.key"), "tls-ca-cert-file", p.path("ca.crt"))
	plain.Expect("+OK\r\n", "CONFIG", "SET", "tls-port", tp)
	c := p.mustDialTLS(t, "127.0.0.1:"+tp, &client)
	c.Expect("+PONG\r\n", "PING")
	// A port in use is refused.
	busy := strconv.Itoa(s.Port)
	plain.Expect("-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.\r\n",
		"CONFIG", "SET", "tls-port", busy)
	if !p.tryPing(t, "127.0.0.1:"+tp, &client) {
		t.Fatal("a failed tls-port change closed the listener")
	}
}

// Busy scripts: a script run by a TLS client leaves the plain clients
// -BUSY and killable (they reach the engine through the coordinator's
// Yield), and one run by a plain client leaves TLS clients the same.
func TestTLSBusyScript(t *testing.T) {
	s, p, client, addr := startTLSServer(t)
	plain := dialRaw(t, s)
	tc := p.mustDialTLS(t, addr, &client)
	plain.Expect("+OK\r\n", "CONFIG", "SET", "busy-reply-threshold", "100")

	tc.Send(multibulk("EVAL", "while true do end", "0") + multibulk("PING"))
	waitBusy(t, plain, busyEval)
	plain.Expect("+OK\r\n", "SCRIPT", "KILL")
	if got := tc.Reply(); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL. script: ") {
		t.Fatalf("the TLS caller got %q", got)
	}
	if got := tc.Reply(); got != "+PONG\r\n" {
		t.Fatalf("the TLS caller's next command got %q", got)
	}

	plain.Send(multibulk("EVAL", "while true do end", "0"))
	waitBusy(t, tc, busyEval)
	tc.Expect(busyEval, "GET", "k")
	tc.Expect("+OK\r\n", "SCRIPT", "KILL")
	if got := plain.Reply(); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL. script: ") {
		t.Fatalf("the plain caller got %q", got)
	}
	tc.Expect("+PONG\r\n", "PING")
}

// CLIENT PAUSE holds a TLS client's write and its pipelined followers
// until the pause ends, when the engine's wake-up runs them.
func TestTLSClientPause(t *testing.T) {
	s, p, client, addr := startTLSServer(t)
	plain := dialRaw(t, s)
	tc := p.mustDialTLS(t, addr, &client)
	tc.Expect("+OK\r\n", "CLIENT", "SETNAME", "tlsc")
	netIn := func() string { // the TLS client's tot-net-in
		for line := range strings.SplitSeq(plain.Do("CLIENT", "LIST"), "\n") {
			if strings.Contains(line, " name=tlsc ") {
				_, after, _ := strings.Cut(line, " tot-net-in=")
				n, _, _ := strings.Cut(after, " ")
				return n
			}
		}
		t.Fatal("the TLS client is not listed")
		return ""
	}
	before := netIn()
	plain.Expect("+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
	tc.Send(multibulk("SET", "k", "v") + multibulk("GET", "k"))
	for deadline := time.Now().Add(10 * time.Second); netIn() == before; {
		if time.Now().After(deadline) {
			t.Fatal("the server never read the paused commands")
		}
		time.Sleep(5 * time.Millisecond)
	}
	plain.Expect("$-1\r\n", "GET", "k") // read but held, not run
	plain.Expect("+OK\r\n", "CLIENT", "UNPAUSE")
	tc.ExpectReplies("after the pause", "+OK\r\n", "$1\r\nv\r\n")
}

// A connection that never finishes its TLS handshake is closed once it
// has been idle for the timeout directive, as Valkey closes any idle
// client; one whose handshake finished lives on while it is used.
func TestTLSHandshakeTimeout(t *testing.T) {
	_, p, client, addr := startTLSServer(t, "--timeout", "2")
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	_ = raw.SetReadDeadline(time.Now().Add(10 * time.Second))
	c := p.mustDialTLS(t, addr, &client)
	for range 3 {
		time.Sleep(time.Second)
		c.Expect("+PONG\r\n", "PING")
	}
	if n, err := raw.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("a silent connection read %d bytes, %v", n, err)
	}
}

// A TLS replica that stops reading its diskless snapshot is dropped by
// the repl-timeout set now, not the one its transfer started with.
func TestTLSReplicaStalledPastLoweredTimeout(t *testing.T) {
	s, p, client, addr := startTLSServer(t, "--save", "", "--rdbcompression", "no", "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0")
	plain := dialRaw(t, s)
	plain.Expect("+OK\r\n", "set", "big", strings.Repeat("x", 32<<20))
	r := p.mustDialTLS(t, addr, &client)
	r.Send(multibulk("REPLCONF", "capa", "eof")) // a replica that takes a streamed snapshot
	r.Send(multibulk("PSYNC", "?", "-1"))        // and never reads
	waitLog(t, s, "Starting BGSAVE for SYNC with target: replicas sockets")
	plain.Expect("+OK\r\n", "config", "set", "repl-timeout", "1")
	waitLog(t, s, "Disconnecting timedout replica (full sync): 127.0.0.1:<unknown-replica-port>")
	// The snapshot then stops, or ends first if it was all queued: either
	// way nothing is left running and the replica is gone.
	waitUntil(t, "the snapshot's end", func() bool {
		return strings.Contains(plain.Do("info", "persistence"), "\r\nrdb_bgsave_in_progress:0\r\n")
	})
	if got := replInfo(plain, "connected_slaves"); got != "0" {
		t.Fatalf("connected_slaves %q after the drop", got)
	}
}
