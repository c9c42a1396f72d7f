// Package repllink holds the wire formats a replica reads from its
// primary before the command stream starts: the handshake's reply lines,
// the reply to PSYNC, and the snapshot's bulk transfer ("$<len>" then len
// bytes, or "$EOF:<mark>" then bytes up to the 40-byte mark, as a
// diskless primary sends it). The command stream itself is RESP and is
// parsed by resp.Parser in its Replicated mode.
//
// Everything here works on a *bufio.Reader owned by the link's goroutine;
// nothing is shared.
package repllink

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/volleydb/volley/engine/resp"
)

// MarkSize is the length of the end mark of an EOF-delimited transfer
// (RDB_EOF_MARK_SIZE).
const MarkSize = 40

// LineMax bounds a reply line of the handshake; Valkey reads them into
// a fixed buffer of a similar size.
const LineMax = 1024

var (
	// ErrLineTooLong: a reply line did not end within LineMax bytes.
	ErrLineTooLong = errors.New("line too long")
	// ErrBadHeader: the bulk header is neither "$<len>" nor "$EOF:<mark>".
	ErrBadHeader = errors.New("bad bulk payload header")
)

// ReadLine reads one line and returns it without its "\r\n" (or "\n").
// An empty string is a bare newline: a primary's keep-alive.
func ReadLine(r *bufio.Reader) (string, error) {
	var line []byte
	for {
		b, err := r.ReadSlice('\n')
		if len(line)+len(b) > LineMax+2 {
			return "", ErrLineTooLong
		}
		line = append(line, b...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		break
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return string(line), nil
}

// Payload describes a snapshot transfer: Size bytes, or (Mark != nil) up
// to the end mark.
type Payload struct {
	Size int64
	Mark []byte
}

// ParsePayloadHeader parses the line that starts a transfer (after its
// '$'-check by the caller). "$EOF:" followed by at least MarkSize bytes
// is the EOF form, whose mark is the first MarkSize of them, as Valkey
// reads it; otherwise the line is a decimal length.
func ParsePayloadHeader(line string) (Payload, error) {
	if !strings.HasPrefix(line, "$") {
		return Payload{}, ErrBadHeader
	}
	if rest, ok := strings.CutPrefix(line[1:], "EOF:"); ok && len(rest) >= MarkSize {
		return Payload{Mark: []byte(rest[:MarkSize])}, nil
	}
	n, err := strconv.ParseInt(line[1:], 10, 64)
	if err != nil || n <= 0 {
		return Payload{}, ErrBadHeader
	}
	return Payload{Size: n}, nil
}

// CopyPayload copies the payload from r to w, without the end mark, and
// leaves r at the first byte after it. progress, when not nil, is called
// with the bytes taken from r so far, after each piece.
func CopyPayload(w io.Writer, r *bufio.Reader, p Payload, progress func(read int64)) (int64, error) {
	if p.Mark == nil {
		return copySized(w, r, p.Size, progress)
	}
	return copyMarked(w, r, p.Mark, progress)
}

func copySized(w io.Writer, r *bufio.Reader, size int64, progress func(int64)) (int64, error) {
	var done int64
	for done < size {
		if r.Buffered() == 0 {
			if _, err := r.Peek(1); err != nil {
				return done, unexpected(err)
			}
		}
		b, _ := r.Peek(int(min(int64(r.Buffered()), size-done)))
		if _, err := w.Write(b); err != nil {
			return done, err
		}
		_, _ = r.Discard(len(b))
		done += int64(len(b))
		if progress != nil {
			progress(done)
		}
	}
	return done, nil
}

// copyMarked copies up to the mark. The last MarkSize-1 bytes seen are
// held back until more come, since they may be the start of the mark;
// the mark is looked for in the held bytes and what is buffered, so it
// is found wherever the reads split it, and bytes after it stay in r.
func copyMarked(w io.Writer, r *bufio.Reader, mark []byte, progress func(int64)) (int64, error) {
	var written, read int64
	held := make([]byte, 0, MarkSize)
	var data []byte
	for {
		if r.Buffered() == 0 {
			if _, err := r.Peek(1); err != nil {
				return written, unexpected(err)
			}
		}
		b, _ := r.Peek(r.Buffered())
		data = append(append(data[:0], held...), b...)
		if i := bytes.Index(data, mark); i >= 0 {
			if _, err := w.Write(data[:i]); err != nil {
				return written, err
			}
			used := i + MarkSize - len(held)
			_, _ = r.Discard(used)
			read += int64(used)
			if progress != nil {
				progress(read)
			}
			return written + int64(i), nil
		}
		keep := min(len(data), MarkSize-1)
		out := data[:len(data)-keep]
		if _, err := w.Write(out); err != nil {
			return written, err
		}
		written += int64(len(out))
		held = append(held[:0], data[len(data)-keep:]...)
		_, _ = r.Discard(len(b))
		read += int64(len(b))
		if progress != nil {
			progress(read)
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// PsyncKind is what a primary answered to PSYNC.
type PsyncKind int

const (
	PsyncWait         PsyncKind = iota // an empty line: the primary keeps the link alive, read again
	PsyncFull                          // +FULLRESYNC <id> <offset>
	PsyncBadFull                       // +FULLRESYNC with a malformed id or offset
	PsyncContinue                      // +CONTINUE [<id>]
	PsyncTryLater                      // -NOMASTERLINK or -LOADING: transient
	PsyncDualChannel                   // +DUALCHANNELSYNC (never asked for)
	PsyncNotSupported                  // an error (-ERR...) or anything else: fall back to SYNC
)

// PsyncReply is a parsed reply to PSYNC.
type PsyncReply struct {
	Kind   PsyncKind
	ID     string // FULLRESYNC's id, or CONTINUE's new id ("" when none was given)
	Offset int64  // FULLRESYNC's offset
}

// ParsePsyncReply parses the reply line to PSYNC as Valkey's
// replicaProcessPsyncReply does.
func ParsePsyncReply(line string) PsyncReply {
	switch {
	case line == "":
		return PsyncReply{Kind: PsyncWait}
	case strings.HasPrefix(line, "+FULLRESYNC"):
		// "+FULLRESYNC <id> <offset>": the id must be exactly 40 bytes.
		_, rest, ok := strings.Cut(line, " ")
		if !ok {
			return PsyncReply{Kind: PsyncBadFull}
		}
		id, off, ok := strings.Cut(rest, " ")
		if !ok || len(id) != MarkSize {
			return PsyncReply{Kind: PsyncBadFull}
		}
		return PsyncReply{Kind: PsyncFull, ID: id, Offset: strtoll(off)}
	case strings.HasPrefix(line, "+CONTINUE"):
		// The new id, when there is one, is what follows "+CONTINUE ",
		// if exactly 40 bytes long.
		var id string
		if len(line) == 9+1+MarkSize {
			id = line[10:]
		}
		return PsyncReply{Kind: PsyncContinue, ID: id}
	case strings.HasPrefix(line, "-NOMASTERLINK"), strings.HasPrefix(line, "-LOADING"):
		return PsyncReply{Kind: PsyncTryLater}
	case strings.HasPrefix(line, "+DUALCHANNELSYNC"):
		return PsyncReply{Kind: PsyncDualChannel}
	}
	return PsyncReply{Kind: PsyncNotSupported}
}

// strtoll reads a leading decimal integer as C's strtoll: spaces, a
// sign, digits; 0 when there is none, saturated on overflow.
func strtoll(s string) int64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n uint64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
		if n > 1<<63 {
			n = 1 << 63
		}
	}
	if neg {
		return -int64(min(n, 1<<63))
	}
	return int64(min(n, 1<<63-1))
}

// AppendCommand appends args as a RESP multibulk command, as the
// handshake sends its commands.
func AppendCommand(dst []byte, args ...string) []byte {
	dst = resp.AppendArrayLen(dst, len(args))
	for _, a := range args {
		dst = resp.AppendBulkString(dst, a)
	}
	return dst
}
