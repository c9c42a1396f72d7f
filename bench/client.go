package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// client is the harness's own minimal RESP2 connection, used to check that a
// server is up, to flush and prefill it between runs, and to read INFO. It is
// not on any measured path: the load comes from the benchmark tool.
type client struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

// respError is an error reply ("-ERR ...") from the server.
type respError string

func (e respError) Error() string { return string(e) }

// ioTimeout bounds one request or one pipelined chunk. Prefilling a large
// keyspace is done in chunks, so this never has to cover the whole prefill.
const ioTimeout = 60 * time.Second

func dial(port int, timeout time.Duration) (*client, error) {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), timeout)
	if err != nil {
		return nil, err
	}
	return &client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}, nil
}

func (c *client) Close() error { return c.conn.Close() }

// write appends one command, as a RESP array of bulk strings, to the output buffer.
func (c *client) write(args ...[]byte) {
	c.w.WriteByte('*')
	c.w.WriteString(strconv.Itoa(len(args)))
	c.w.WriteString("\r\n")
	for _, a := range args {
		c.w.WriteByte('$')
		c.w.WriteString(strconv.Itoa(len(a)))
		c.w.WriteString("\r\n")
		c.w.Write(a)
		c.w.WriteString("\r\n")
	}
}

// do sends one command and returns its reply. An error reply is returned as a
// respError.
func (c *client) do(args ...string) (any, error) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	c.conn.SetDeadline(time.Now().Add(ioTimeout))
	c.write(b...)
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	v, err := c.read()
	if err != nil {
		return nil, err
	}
	if e, ok := v.(respError); ok {
		return nil, e
	}
	return v, nil
}

// pipeline sends n commands produced by gen, chunk commands per round trip,
// and fails on the first error reply.
func (c *client) pipeline(n int, gen func(i int) [][]byte) error {
	const chunk = 1000
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		c.conn.SetDeadline(time.Now().Add(ioTimeout))
		for i := start; i < end; i++ {
			c.write(gen(i)...)
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		for i := start; i < end; i++ {
			v, err := c.read()
			if err != nil {
				return err
			}
			if e, ok := v.(respError); ok {
				return e
			}
		}
	}
	return nil
}

// read parses one RESP2 reply: string (simple or bulk), int64, nil, []any or
// respError. RESP3 types are not needed: the harness never sends HELLO 3.
func (c *client) read() (any, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("malformed reply line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return respError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		arr := make([]any, n)
		for i := range arr {
			if arr[i], err = c.read(); err != nil {
				return nil, err
			}
		}
		return arr, nil
	}
	return nil, fmt.Errorf("unexpected reply type %q", line[0])
}

// infoField returns one field of an INFO section, e.g. ("memory", "used_memory").
func (c *client) infoField(section, field string) (string, error) {
	v, err := c.do("INFO", section)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("INFO %s: unexpected reply %T", section, v)
	}
	for line := range strings.SplitSeq(s, "\n") {
		if val, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), field+":"); ok {
			return val, nil
		}
	}
	return "", errors.New("INFO " + section + " has no field " + field)
}
