// Copyright (c) 2021 The Gnet Authors. All rights reserved.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package gnet

import (
	goerrors "errors"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/netpoll"
	"github.com/panjf2000/gnet/v2/pkg/queue"
	"github.com/panjf2000/gnet/v2/pkg/socket"
)

func (el *eventloop) accept0(fd int, _ netpoll.IOEvent, _ netpoll.IOFlags) error {
	for {
		nfd, sa, err := socket.Accept(fd)
		switch err {
		case nil:
		case unix.EAGAIN: // the Accept queue has been drained out, we can return now
			return nil
		case unix.EINTR, unix.ECONNRESET, unix.ECONNABORTED:
			// ECONNRESET or ECONNABORTED could indicate that a socket
			// in the Accept queue was closed before we Accept()ed it.
			// It's a silly error, let's retry it.
			continue
		case unix.EINVAL:
			// The listener was shut down: the user stops taking new
			// connections ahead of Stop (Volley's patch). It is closed
			// with the others when the engine stops.
			return el.poller.Delete(fd)
		default:
			el.getLogger().Errorf("Accept() failed due to error: %v", err)
			return errors.ErrAcceptSocket
		}

		remoteAddr := socket.SockaddrToTCPOrUnixAddr(sa)
		// The main reactor's listener: the loop the connection goes to
		// may not know one added since it started (Volley's patch 4).
		ln := el.listeners[fd]
		network := ln.network
		if opts := el.engine.opts; opts.TCPKeepAlive > 0 && network == "tcp" &&
			(runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "dragonfly") {
			// TCP keepalive options are not inherited from the listening socket
			// on platforms other than Linux, FreeBSD, or DragonFlyBSD.
			// We therefore need to set them on the accepted socket explicitly.
			//
			// Check out https://github.com/nginx/nginx/pull/337 for details.
			if err = setKeepAlive(
				nfd,
				true,
				opts.TCPKeepAlive,
				opts.TCPKeepInterval,
				opts.TCPKeepCount); err != nil {
				el.getLogger().Errorf("failed to set TCP keepalive on fd=%d: %v", fd, err)
			}
		}

		el := el.engine.eventLoops.next(remoteAddr)
		c := newStreamConn(network, nfd, el, sa, ln.addr, remoteAddr)
		// Queued for the loop's next task, or for RegisterAccepted if the
		// loop is busy in a handler first (Volley's patch).
		el.acceptedMu.Lock()
		el.accepted = append(el.accepted, c)
		el.acceptedMu.Unlock()
		err = el.poller.Trigger(queue.HighPriority, el.registerAccepted, nil)
		if err != nil && el.unqueueAccepted(c) {
			el.getLogger().Errorf("failed to enqueue the accepted socket fd=%d to poller: %v", c.fd, err)
			_ = unix.Close(nfd)
			c.release()
		}
	}
}

// RegisterAccepted registers now the connections the main reactor accepted
// for this loop, which otherwise wait for the loop to get to its task
// queue (Volley's patch). Only the loop's own goroutine may call it, from
// inside an event handler's callback; their OnOpen runs inside the call.
// Volley runs scripts inside OnTraffic, and a script that runs too long
// calls this to let new clients in, as Valkey accepts them while a script
// is busy.
func (el *eventloop) RegisterAccepted() error {
	return el.registerAccepted(nil)
}

// registerAccepted registers the queued accepted connections: the task
// accept0 queues for each, or RegisterAccepted. A task that finds the
// queue already emptied does nothing.
func (el *eventloop) registerAccepted(any) error {
	for {
		el.acceptedMu.Lock()
		cs := el.accepted
		el.accepted = nil
		el.acceptedMu.Unlock()
		if len(cs) == 0 {
			return nil
		}
		for i, c := range cs {
			if err := el.register0(c); goerrors.Is(err, errors.ErrEngineShutdown) {
				for _, rest := range cs[i+1:] {
					_ = unix.Close(rest.fd)
					rest.release()
				}
				return err
			}
		}
	}
}

// unqueueAccepted takes c off the accepted queue, and says whether it was
// still there.
func (el *eventloop) unqueueAccepted(c *conn) bool {
	el.acceptedMu.Lock()
	defer el.acceptedMu.Unlock()
	for i, q := range el.accepted {
		if q == c {
			el.accepted = append(el.accepted[:i], el.accepted[i+1:]...)
			return true
		}
	}
	return false
}

func (el *eventloop) accept(fd int, ev netpoll.IOEvent, flags netpoll.IOFlags) error {
	network := el.listeners[fd].network
	if network == "udp" {
		return el.readUDP(fd, ev, flags)
	}

	nfd, sa, err := socket.Accept(fd)
	switch err {
	case nil:
	case unix.EINTR, unix.EAGAIN, unix.ECONNRESET, unix.ECONNABORTED:
		// ECONNRESET or ECONNABORTED could indicate that a socket
		// in the Accept queue was closed before we Accept()ed it.
		// It's a silly error, let's retry it.
		return nil
	default:
		el.getLogger().Errorf("Accept() failed due to error: %v", err)
		return errors.ErrAcceptSocket
	}

	remoteAddr := socket.SockaddrToTCPOrUnixAddr(sa)
	if opts := el.engine.opts; opts.TCPKeepAlive > 0 && el.listeners[fd].network == "tcp" &&
		(runtime.GOOS != "linux" && runtime.GOOS != "freebsd" && runtime.GOOS != "dragonfly") {
		// TCP keepalive options are not inherited from the listening socket
		// on platforms other than Linux, FreeBSD, or DragonFlyBSD.
		// We therefore need to set them on the accepted socket explicitly.
		//
		// Check out https://github.com/nginx/nginx/pull/337 for details.
		if err = setKeepAlive(
			nfd,
			true,
			opts.TCPKeepAlive,
			opts.TCPKeepInterval,
			opts.TCPKeepCount); err != nil {
			el.getLogger().Errorf("failed to set TCP keepalive on fd=%d: %v", fd, err)
		}
	}

	c := newStreamConn(network, nfd, el, sa, el.listeners[fd].addr, remoteAddr)
	return el.register0(c)
}
