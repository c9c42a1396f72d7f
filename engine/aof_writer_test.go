package engine

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/volleydb/volley/engine/config"
)

// gatedFile is an aofFile whose writes wait until the test opens the
// gate (a disk slower than the writes), or fail while failing is set.
type gatedFile struct {
	started chan struct{} // gets a token when a write begins
	release chan struct{} // closed: writes go through

	once    sync.Once
	mu      sync.Mutex
	data    []byte
	failing bool
}

// open opens the gate for good.
func (f *gatedFile) open() { f.once.Do(func() { close(f.release) }) }

func newGatedFile() *gatedFile {
	return &gatedFile{started: make(chan struct{}, 64), release: make(chan struct{})}
}

var errGated = errors.New("no space left on device")

func (f *gatedFile) Write(b []byte) (int, error) {
	f.started <- struct{}{}
	<-f.release
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failing {
		return 0, errGated
	}
	f.data = append(f.data, b...)
	return len(b), nil
}

func (f *gatedFile) Truncate(int64) error { return nil }
func (f *gatedFile) Datasync() error      { return nil }
func (f *gatedFile) Close() error         { return nil }

func (f *gatedFile) contents() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.data)
}

// handOver hands a copy of b to w (the writer keeps what it is given),
// appending it to sent.
func handOver(w *aofWriter, sent *[]byte, b string) aofStall {
	*sent = append(*sent, b...)
	_, st := w.write([]byte(b), false)
	return st
}

// TestAOFWriterBackpressure: under appendfsync no or everysec a hand-over
// returns at once while the writer is at most its limit behind, waits
// while it is further behind, until the disk lets it catch up, and
// nothing handed over is lost.
func TestAOFWriterBackpressure(t *testing.T) {
	for _, policy := range []config.FsyncPolicy{config.FsyncNo, config.FsyncEverysec} {
		f := newGatedFile()
		w := startAOFWriter(f, 0, policy, 100)
		stalled := make(chan struct{}, 1)
		w.stallHook = func() { stalled <- struct{}{} }
		var sent []byte

		if st := handOver(w, &sent, strings.Repeat("a", 60)); st.waited {
			t.Fatal("waited with nothing behind")
		}
		<-f.started // the writer holds the 60 bytes, stuck on the disk
		if st := handOver(w, &sent, strings.Repeat("b", 40)); st.waited {
			t.Fatal("waited at exactly the limit behind")
		}
		if n := w.behind(); n != 100 {
			t.Fatalf("behind %d, want 100", n)
		}

		done := make(chan aofStall)
		go func() {
			var mine []byte
			st := handOver(w, &mine, "c")
			done <- st
		}()
		select {
		case <-stalled: // it waits, and nothing but the disk can end the wait
		case <-done:
			t.Fatal("the hand-over past the limit returned with the disk stuck")
		}
		select {
		case <-done:
			t.Fatal("the hand-over past the limit returned with the disk stuck")
		default:
		}
		sent = append(sent, 'c')

		f.open()
		if st := <-done; !st.waited || st.syncing {
			t.Fatalf("stall %+v, want waited, not syncing", st)
		}
		if err := w.close(); err != nil {
			t.Fatal(err)
		}
		if got := f.contents(); !bytes.Equal(got, sent) {
			t.Fatalf("%v: file holds %q, want %q", policy, got, sent)
		}
	}
}

// TestAOFWriterFailureDoesNotWait: a writer whose writes fail waits for
// the engine's kick to retry, so hand-overs must not wait for it: they
// queue (the engine refuses writes meanwhile), and the retry writes all.
func TestAOFWriterFailureDoesNotWait(t *testing.T) {
	f := newGatedFile()
	f.failing = true
	f.open()
	w := startAOFWriter(f, 0, config.FsyncEverysec, 10)
	var sent []byte
	handOver(w, &sent, strings.Repeat("x", 20)) // past the limit: waits for the attempt, which fails
	if w.lastError() == nil {
		t.Fatal("the hand-over returned before the writer failed")
	}
	if st := handOver(w, &sent, strings.Repeat("y", 20)); st.waited {
		t.Fatal("waited for a failed writer")
	}
	if n := w.behind(); n != 40 {
		t.Fatalf("behind %d, want 40 kept for the retry", n)
	}
	f.mu.Lock()
	f.failing = false
	f.mu.Unlock()
	for w.lastError() != nil { // the writer retries when the cron kicks it
		w.kick()
		runtime.Gosched()
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	if got := f.contents(); !bytes.Equal(got, sent) {
		t.Fatalf("file holds %q, want %q", got, sent)
	}
}

// TestAOFFlushStall: the engine's flush waits for a writer too far behind
// and accounts for it; INFO's aof_buffer_length counts what was handed
// over and is not in the file yet.
func TestAOFFlushStall(t *testing.T) {
	e, _ := aofEnv(t)
	s := e.srv
	s.Cfg.AppendFsync = config.FsyncEverysec
	s.Cfg.AppendOnly = true // INFO shows the aof_* sizes
	if err := s.aof.w.close(); err != nil {
		t.Fatal(err)
	}
	f := newGatedFile()
	t.Cleanup(f.open) // before aofEnv's CloseAOF, which waits for the writer
	s.aof.w = startAOFWriter(f, 0, config.FsyncEverysec, 100)
	s.aof.selected = -1
	stalled := make(chan struct{}, 1)
	s.aof.w.stallHook = func() { stalled <- struct{}{} }
	c := e.newClient()

	e.do(c, "set", "k", "v")
	s.BeforeSleep() // SELECT and SET: 50 bytes, within the limit
	<-f.started
	if info := e.do(c, "info", "persistence"); !strings.Contains(info, "\r\naof_buffer_length:50\r\n") {
		t.Fatalf("INFO persistence with 50 bytes unwritten:\n%s", info)
	}

	e.do(c, "set", "big", strings.Repeat("v", 100))
	done := make(chan struct{})
	go func() {
		s.BeforeSleep() // 50 + 130 bytes behind: waits
		close(done)
	}()
	select {
	case <-stalled:
	case <-done:
		t.Fatal("the flush past the limit returned with the disk stuck")
	}
	select {
	case <-done:
		t.Fatal("the flush past the limit returned with the disk stuck")
	default:
	}
	f.open()
	<-done
	if s.aof.stalls != 1 {
		t.Fatalf("stalls %d, want 1", s.aof.stalls)
	}
	if err := s.aof.w.sync(); err != nil {
		t.Fatal(err)
	}
	want := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n" +
		"*3\r\n$3\r\nset\r\n$3\r\nbig\r\n$100\r\n" + strings.Repeat("v", 100) + "\r\n"
	if got := string(f.contents()); got != want {
		t.Fatalf("file holds %q, want %q", got, want)
	}
	if info := e.do(c, "info", "persistence"); !strings.Contains(info, "\r\naof_buffer_length:0\r\n") {
		t.Fatalf("INFO persistence with everything written:\n%s", info)
	}
}
