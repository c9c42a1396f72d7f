//go:build !linux

package iothreads

// write sends a batch's replies through gnet.
func (cn *conn) write(vec [][]byte) {
	_, _ = cn.gc.Writev(vec)
	cn.noteUnsent()
}

// iovecs is unused off Linux.
type iovecs = struct{}
