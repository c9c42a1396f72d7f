package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/volleydb/volley/engine"
	"github.com/volleydb/volley/engine/config"
)

// showBanner logs the start-up banner where Valkey shows its logo: when
// the log goes to a terminal, or always-show-logo is set; otherwise the
// one line Valkey logs instead. Both name the mode, the port and the PID,
// which tools that start the server (Valkey's own test suite among them)
// look for.
func showBanner(log *engine.Logger, cfg *config.Config) {
	mode := "standalone"
	if cfg.ClusterEnabled {
		mode = "cluster"
	}
	port := cfg.Port
	if port == 0 {
		port = cfg.TLSPort
	}
	show, _ := cfg.Value("always-show-logo")
	syslog, _ := cfg.Value("syslog-enabled")
	if show != "yes" && (syslog == "yes" || cfg.LogFile != "" || !isTerminal(os.Stdout)) {
		log.Noticef("Running mode=%s, port=%d.", mode, port)
		return
	}
	log.Raw(engine.LogNotice, fmt.Sprintf(`
   __    __
   \ \  / /     Volley %s (Valkey %s compatible) %d bit, %s
    \ \/ /      Running in %s mode
     \  /       Port: %d
      \/        PID: %d

`, engine.VolleyVersion, engine.Version, 32<<(^uint(0)>>63), runtime.Version(), mode, port, os.Getpid()))
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
