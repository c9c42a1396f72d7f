package engine

// TLSCertLogin is tls-auth-clients-user for a TLS client that just
// connected: name is the field of its certificate the directive names
// (the CN). It logs the client in as that user if the user exists and is
// enabled, as Valkey's clientAcceptHandler does; otherwise it records
// the refusal (ACL LOG reason tls-cert, INFO acl_access_denied_tls_cert)
// and the client stays as it was.
func (s *Server) TLSCertLogin(c *Client, name string) {
	if u := s.acl.users[name]; u != nil && u.flags&userOff == 0 {
		c.User = u
		c.Authenticated = true
		shown := name
		if v, _ := s.Cfg.Value("hide-user-data-from-log"); v == "yes" {
			shown = "*redacted*"
		}
		s.Log.Verbosef("TLS: Auto-authenticated client as %s", shown)
		return
	}
	s.addACLLogEntry(c, aclDeniedTLSCert, aclCtxTopLevel, name, "")
}
