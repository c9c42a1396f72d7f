package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/volleydb/volley/engine/cnum"
)

// Loading an AOF file: an RDB preamble if it starts with one (a base
// file, or an old single-file AOF with a preamble), then commands in
// RESP, each replayed through the command table on a client of its own,
// as Valkey's loadSingleAppendOnlyFile does.

// aofLineMax is the longest line the loader reads at once (Valkey's
// AOF_ANNOTATION_LINE_MAX_LEN).
const aofLineMax = 1024

var (
	// errAOFTruncated: the file ends in the middle of a command.
	errAOFTruncated = errors.New("unexpected end of file")
	// errAOFFormat: the file holds something that is not a command.
	errAOFFormat = errors.New("bad file format")
)

// aofReader reads the commands of an AOF stream.
type aofReader struct {
	r    *bufio.Reader
	off  int64 // bytes consumed
	args [][]byte
	ends []int
	buf  []byte
}

func newAOFReader(r io.Reader, off int64) *aofReader {
	return &aofReader{r: bufio.NewReaderSize(r, 64<<10), off: off}
}

// line reads one line of at most aofLineMax bytes; the last one may lack
// its newline (fgets' last line). A longer line is errAOFFormat; io.EOF
// only when nothing is left.
func (ar *aofReader) line() (b []byte, err error) {
	b, err = ar.r.ReadSlice('\n')
	switch {
	case err == io.EOF && len(b) == 0:
		return nil, io.EOF
	case err != nil && err != io.EOF && err != bufio.ErrBufferFull:
		return nil, err
	case len(b) > aofLineMax: // bufio.ErrBufferFull too: the buffer is larger
		return nil, errAOFFormat
	}
	ar.off += int64(len(b))
	return b, nil
}

// next returns the next command. Its arguments are valid until the next
// call. At the end of the stream it returns io.EOF; errAOFTruncated when
// the stream ends inside a command, errAOFFormat for anything else that
// is not a command. Annotations (lines starting with '#') are skipped.
func (ar *aofReader) next() ([][]byte, error) {
	var b []byte
	for {
		var err error
		b, err = ar.line()
		if err != nil {
			return nil, err
		}
		if b[0] != '#' {
			break
		}
		if b[len(b)-1] != '\n' {
			return nil, io.EOF // an annotation cut short ends the file
		}
	}
	if b[0] != '*' {
		return nil, errAOFFormat
	}
	if len(b) == 1 {
		return nil, errAOFTruncated // "*" and nothing more
	}
	argc := cnum.Atoi(b[1:])
	if argc < 1 {
		return nil, errAOFFormat
	}
	// Each argument's end in buf is noted; the slices are taken once buf
	// has stopped growing.
	ar.buf = ar.buf[:0]
	ar.ends = ar.ends[:0]
	for j := int64(0); j < argc; j++ {
		l, err := ar.line()
		if err == io.EOF {
			return nil, errAOFTruncated
		}
		if err != nil {
			return nil, err
		}
		if l[0] != '$' {
			return nil, errAOFFormat
		}
		n := cnum.Atoi(l[1:])
		if n < 0 {
			return nil, errAOFFormat
		}
		if err := ar.readN(int(n)); err != nil {
			return nil, err
		}
		var crlf [2]byte
		if _, err := io.ReadFull(ar.r, crlf[:]); err != nil {
			return nil, errAOFTruncated
		}
		ar.off += 2
		ar.ends = append(ar.ends, len(ar.buf))
	}
	ar.args = ar.args[:0]
	start := 0
	for _, end := range ar.ends {
		ar.args = append(ar.args, ar.buf[start:end:end])
		start = end
	}
	return ar.args, nil
}

// readN appends the next n bytes to buf, growing it as they come, so a
// forged length in a short file costs no more than the file holds.
func (ar *aofReader) readN(n int) error {
	for n > 0 {
		chunk := min(n, 1<<20)
		if cap(ar.buf)-len(ar.buf) < chunk {
			nb := make([]byte, len(ar.buf), 2*cap(ar.buf)+chunk)
			copy(nb, ar.buf)
			ar.buf = nb
		}
		got, err := io.ReadFull(ar.r, ar.buf[len(ar.buf):len(ar.buf)+chunk])
		ar.buf = ar.buf[:len(ar.buf)+got]
		ar.off += int64(got)
		if err != nil {
			return errAOFTruncated
		}
		n -= chunk
	}
	return nil
}

// newAOFClient is the client commands are replayed on: it never replies,
// never blocks and is not listed.
func (s *Server) newAOFClient() *Client {
	return &Client{srv: s, ID: aofClientID, Proto: 2, User: s.acl.def, Authenticated: true, Replying: ReplyOff}
}

// loadAOFFile loads one file of the AOF. It reports whether it was
// accepted with a truncated tail (aof-load-truncated), which it then
// truncates away.
func (s *Server) loadAOFFile(path string, oldStyle bool) (truncated bool, err error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("fatal error: can't open the append log file %s for reading: %w", name, err)
	}
	defer f.Close()
	size := fileSize(f)
	if size == 0 {
		return false, nil
	}
	var off int64
	var sig [6]byte
	if n, _ := io.ReadFull(f, sig[:]); n == 6 && (bytes.Equal(sig[:], []byte("REDIS0")) || bytes.Equal(sig[:], []byte("VALKEY"))) {
		if oldStyle {
			s.Log.Noticef("Reading RDB preamble from AOF file...")
		} else {
			s.Log.Noticef("Reading RDB base file on AOF loading...")
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return false, err
		}
		st, err := s.readRDB(f, size, false)
		if err != nil {
			if oldStyle {
				return false, fmt.Errorf("error reading the RDB preamble of the AOF file %s, AOF loading aborted: %w", name, err)
			}
			return false, fmt.Errorf("error reading the RDB base file %s, AOF loading aborted: %w", name, err)
		}
		off = st.offset
		if oldStyle {
			s.Log.Noticef("Reading the remaining AOF tail...")
		}
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return false, err
	}
	var in io.Reader = f
	if off == 0 {
		in = s.loadInput(f, size) // a preamble was counted by readRDB
	} else {
		in = s.loadInput(f, 0)
	}
	return s.replayAOF(in, off, path)
}

// replayAOF runs the commands of an AOF stream starting at offset off of
// the file at path.
func (s *Server) replayAOF(in io.Reader, off int64, path string) (truncated bool, err error) {
	name := filepath.Base(path)
	ar := newAOFReader(in, off)
	c := s.newAOFClient()
	prevCur, prevProp, prevLoading := s.current, s.prop.on, s.loading
	s.prop.on, s.loading = false, true
	s.blocking.nested++ // a blocking command answers at once, as in MULTI
	defer func() {
		s.blocking.nested--
		s.current, s.prop.on, s.loading = prevCur, prevProp, prevLoading
		s.freeMultiState(c)
	}()
	validUpTo, validBeforeMulti := off, off
	for {
		argv, rerr := ar.next()
		if rerr == io.EOF {
			break
		}
		if rerr == errAOFTruncated {
			return s.aofTruncatedTail(path, validUpTo)
		}
		if rerr == errAOFFormat {
			return false, fmt.Errorf("bad file format reading the append only file %s: make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>", name)
		}
		if rerr != nil {
			return false, fmt.Errorf("unrecoverable error reading the append only file %s: %w", name, rerr)
		}
		cmd := s.LookupCommand(argv)
		var msg string
		switch {
		case cmd == nil:
			msg = unknownCommandError(s, argv)
		case !cmd.arityOK(len(argv)):
			msg = "ERR wrong number of arguments for '" + cmd.FullName + "' command"
		case cmd.Handler == nil:
			msg = "ERR command '" + cmd.FullName + "' is not implemented in Volley yet"
		}
		if msg != "" {
			return false, fmt.Errorf("error reading the append only file %s, error: %s", name, msg)
		}
		if cmd.Name == "multi" {
			validBeforeMulti = validUpTo
		}
		s.current = c
		s.nowMs = 0
		c.Argv, c.Cmd = argv, cmd
		if c.Flags&ClientMulti != 0 && cmd.Name != "exec" {
			s.queueMultiCommand(c, cmd, argv, s.commandFlags(cmd, argv))
		} else {
			cmd.Handler(c)
		}
		c.Argv = nil
		c.Out.Reset()
		s.current = nil
		validUpTo = ar.off
	}
	if c.Flags&ClientMulti != 0 {
		s.Log.Warningf("Revert incomplete MULTI/EXEC transaction in AOF file %s", name)
		s.discardTransaction(c)
		return s.aofTruncatedTail(path, validBeforeMulti)
	}
	return false, nil
}

// aofTruncatedTail handles a file that ends inside a command: with
// aof-load-truncated it is cut after the last whole command and loaded
// anyway, else loading fails.
func (s *Server) aofTruncatedTail(path string, validUpTo int64) (bool, error) {
	name := filepath.Base(path)
	if s.cfgBool("aof-load-truncated") {
		s.Log.Warningf("!!! Warning: short read while loading the AOF file %s!!!", name)
		s.Log.Warningf("!!! Truncating the AOF %s at offset %d !!!", name, validUpTo)
		if err := os.Truncate(path, validUpTo); err != nil {
			s.Log.Warningf("Error truncating the AOF file %s: %v", name, err)
		} else {
			s.Log.Warningf("AOF %s loaded anyway because aof-load-truncated is enabled", name)
			return true, nil
		}
	}
	return false, fmt.Errorf("unexpected end of file reading the append only file %s. You can: "+
		"1) Make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>. "+
		"2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server", name)
}
