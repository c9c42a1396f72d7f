package engine

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Log levels, as Valkey's loglevel directive names them.
const (
	LogDebug = iota
	LogVerbose
	LogNotice
	LogWarning
	LogNothing
)

var logMarks = [...]byte{'.', '-', '*', '#'}

// Logger writes lines in Valkey's format:
//
//	pid:role dd Mon yyyy hh:mm:ss.mmm * message
//
// It is safe for concurrent use: I/O loops log connection errors too.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	Level int
	Role  byte // 'M' primary, 'S' replica, 'C' child, 'X' sentinel
	pid   int
	buf   []byte
}

// NewLogger returns a logger writing to w at the given level.
func NewLogger(w io.Writer, level int) *Logger {
	return &Logger{w: w, Level: level, Role: 'M', pid: os.Getpid()}
}

// SetOutput replaces the destination.
func (l *Logger) SetOutput(w io.Writer) {
	l.mu.Lock()
	l.w = w
	l.mu.Unlock()
}

// Logf writes one line at level.
func (l *Logger) Logf(level int, format string, args ...any) {
	if l == nil || level < l.Level || level >= LogNothing {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buf[:0]
	b = fmt.Appendf(b, "%d:%c ", l.pid, l.Role)
	b = now.AppendFormat(b, "02 Jan 2006 15:04:05.000")
	b = append(b, ' ', logMarks[level], ' ')
	b = fmt.Appendf(b, format, args...)
	b = append(b, '\n')
	_, _ = l.w.Write(b)
	l.buf = b
}

// Noticef logs at notice level.
func (l *Logger) Noticef(format string, args ...any) { l.Logf(LogNotice, format, args...) }

// Warningf logs at warning level.
func (l *Logger) Warningf(format string, args ...any) { l.Logf(LogWarning, format, args...) }

// Verbosef logs at verbose level.
func (l *Logger) Verbosef(format string, args ...any) { l.Logf(LogVerbose, format, args...) }

// Debugf logs at debug level.
func (l *Logger) Debugf(format string, args ...any) { l.Logf(LogDebug, format, args...) }

// Raw writes text as it is, with no line prefix, at level (Valkey's
// LL_RAW: the start-up banner).
func (l *Logger) Raw(level int, text string) {
	if l == nil || level < l.Level || level >= LogNothing {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, text)
}

// SetRole sets the role mark of the lines to come: 'M' for a primary,
// 'S' for a replica.
func (l *Logger) SetRole(role byte) {
	if l == nil {
		return
	}
	l.mu.Lock()
	l.Role = role
	l.mu.Unlock()
}
