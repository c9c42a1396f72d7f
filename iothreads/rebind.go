package iothreads

import (
	"errors"
	"net"
	"os"
	"strings"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
)

// CONFIG SET port and bind move the TCP listeners, and bind the TLS ones,
// as Valkey's changeListener does: the reply comes once the new addresses
// listen and the old ones are closed. Connections already accepted stay.
// If an address cannot be bound the command fails, the configuration
// keeps its old values and the old listeners are open again.
//
// The plain listeners are gnet's: the main reactor adds and removes them
// while it runs (third_party/gnet, patch 4).

// Errors CONFIG SET port and bind reply with, after "ERR CONFIG SET
// failed (possibly related to argument '...') - ", as Valkey's.
const (
	errListenPort = valkeyText("Unable to listen on this port. Check server logs.")
	errBindAddrs  = valkeyText("Failed to bind to specified addresses.")
)

// watchListenDirectives makes CONFIG SET port and bind move the
// listeners.
func (s *Server) watchListenDirectives(srv *engine.Server) {
	srv.Cfg.OnChange("port", func(_, _ string) error {
		if err := s.rebindTCP(srv); err != nil {
			return errListenPort
		}
		return nil
	})
	srv.Cfg.OnChange("bind", func(oldV, _ string) error {
		if err := s.rebindTCP(srv); err != nil {
			return errBindAddrs
		}
		if err := s.rebindTLS(srv); err != nil {
			// Both move or neither: the TCP listeners go back to the old
			// addresses (Valkey closes them instead).
			_ = s.moveTCP(srv, splitBind(oldV), srv.Cfg.Port)
			return errBindAddrs
		}
		return nil
	})
}

// splitBind is bind's value as CONFIG GET shows it, as a list.
func splitBind(v string) []string { return strings.Fields(v) }

// rebindTCP moves the plain TCP listeners to bind and port as configured.
func (s *Server) rebindTCP(srv *engine.Server) error {
	return s.moveTCP(srv, srv.Cfg.Bind, srv.Cfg.Port)
}

func (s *Server) moveTCP(srv *engine.Server, bind []string, port int) error {
	var want []BindAddr
	if port != 0 {
		want = BindAddrs(bind, port)
	}
	s.tcp.mu.Lock()
	defer s.tcp.mu.Unlock()
	if len(s.opts.Addrs) == 0 { // gnet runs only with listeners at start (Serve)
		if len(want) == 0 {
			return nil
		}
		// Started with neither a TCP port nor a unix socket: there are no
		// event loops to take TCP connections.
		srv.Log.Warningf("Cannot listen on port %d: the server was started without TCP or unix socket listeners", port)
		return errListenPort
	}
	open, err := moveListeners(s.tcp.open, want,
		func(a BindAddr) error {
			err := s.eng.AddListener(a.Network + "://" + a.Addr)
			if err != nil {
				host, p, _ := net.SplitHostPort(a.Addr)
				srv.Log.Warningf("Warning: Could not create server TCP listening socket %s:%s: %s", host, p, listenErrText(err))
			}
			return err
		},
		func(a BindAddr) { _ = s.eng.RemoveListener("tcp", a.Addr) }) // gnet names tcp4 and tcp6 listeners tcp
	s.tcp.open = open
	return err
}

// listenErrText is a listen failure in anet's words: "bind: Address
// already in use".
func listenErrText(err error) string {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Syscall + ": " + config.Strerror(se.Err)
	}
	return config.Strerror(err)
}

// moveListeners moves a set of listeners from the addresses in have to
// those in want. Addresses in both stay open, so the connections queued
// on them are not lost. The others are closed first, as a new address may
// need the port one of them holds (bind * after bind 127.0.0.1), and then
// the new ones are opened; an optional one that fails is skipped. If any
// other fails, what was opened is closed, what was closed is opened again,
// and the error is returned. Either way it returns the addresses open.
func moveListeners(have, want []BindAddr, open func(BindAddr) error, close func(BindAddr)) ([]BindAddr, error) {
	in := func(set []BindAddr, a BindAddr) bool {
		for _, b := range set {
			if b.Network == a.Network && b.Addr == a.Addr {
				return true
			}
		}
		return false
	}
	var kept, dropped []BindAddr
	for _, a := range have {
		if in(want, a) {
			kept = append(kept, a)
		} else {
			close(a)
			dropped = append(dropped, a)
		}
	}
	now := append([]BindAddr(nil), kept...)
	var added []BindAddr
	for _, a := range want {
		if in(now, a) {
			continue
		}
		if err := open(a); err != nil {
			if a.Optional {
				continue
			}
			for _, b := range added {
				close(b)
			}
			for _, b := range dropped {
				if open(b) == nil {
					kept = append(kept, b)
				}
			}
			return kept, err
		}
		added = append(added, a)
		now = append(now, a)
	}
	return now, nil
}
