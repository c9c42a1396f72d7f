// Copyright (c) 2026 The Volley Authors. Licensed under the Apache License,
// Version 2.0, as the rest of gnet.

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package gnet

import (
	errorx "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/queue"
)

// Listeners added and removed while the engine runs (Volley's patch 4; see
// VOLLEY.md). The main reactor's goroutine is the only one that changes
// eng.listeners, under lnMu; it reads the map without the lock, other
// goroutines with it. Event loops other than the main reactor keep the
// set they started with, which they only count.

// AddListener opens a listener on protoAddr, in Rotate's form
// ("tcp4://127.0.0.1:6380"), with the engine's socket options, and has
// the main reactor accept connections from it. It returns once the
// listener is polled, or the error of opening it. Only an engine with a
// main reactor (ReusePort off) can add listeners.
func (e Engine) AddListener(protoAddr string) error {
	if err := e.Validate(); err != nil {
		return err
	}
	eng := e.eng
	if eng.ingress == nil {
		return errorx.ErrUnsupportedOp
	}
	proto, addr, err := parseProtoAddr(protoAddr)
	if err != nil {
		return err
	}
	ln, err := initListener(proto, addr, eng.opts)
	if err != nil {
		return err
	}
	err = eng.onIngress(func() error {
		if err := eng.ingress.poller.AddRead(ln.packPollAttachment(eng.ingress.accept0), true); err != nil {
			return err
		}
		eng.lnMu.Lock()
		eng.listeners[ln.fd] = ln
		eng.lnMu.Unlock()
		return nil
	})
	if err != nil {
		ln.close() // once: if the engine stopped after all, it closes it too
	}
	return err
}

// RemoveListener stops accepting on the listener for network ("tcp" for
// tcp4 and tcp6 alike, as DupListener) and addr, and closes it.
// Connections it accepted stay.
func (e Engine) RemoveListener(network, addr string) error {
	if err := e.Validate(); err != nil {
		return err
	}
	eng := e.eng
	if eng.ingress == nil {
		return errorx.ErrUnsupportedOp
	}
	return eng.onIngress(func() error {
		for fd, ln := range eng.listeners {
			if ln.network == network && ln.address == addr {
				_ = eng.ingress.poller.Delete(fd) // gone already if it was shut down
				eng.lnMu.Lock()
				delete(eng.listeners, fd)
				eng.lnMu.Unlock()
				ln.close()
				return nil
			}
		}
		return errorx.ErrInvalidNetworkAddress
	})
}

// onIngress runs fn on the main reactor's goroutine and returns its
// error, or ErrEngineShutdown if the engine stops first.
func (eng *engine) onIngress(fn func() error) error {
	done := make(chan error, 1)
	task := func(any) error {
		done <- fn()
		return nil
	}
	if err := eng.ingress.poller.Trigger(queue.HighPriority, task, nil); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-eng.concurrency.ctx.Done():
		return errorx.ErrEngineShutdown
	}
}
