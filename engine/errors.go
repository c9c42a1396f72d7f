package engine

// Error replies shared across commands, with Valkey 9.0's exact text.
// Pass them to Client.AddError, which adds the leading '-' and CRLF.
const (
	ErrWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax        = "ERR syntax error"
	ErrNoKey         = "ERR no such key"
	ErrNotInteger    = "ERR value is not an integer or out of range"
	ErrNotFloat      = "ERR value is not a valid float"
	ErrOverflow      = "ERR increment or decrement would overflow"
	ErrSameObject    = "ERR source and destination objects are the same"
	ErrOutOfRange    = "ERR index out of range"
	ErrNoScript      = "NOSCRIPT No matching script."
	ErrNoAuth        = "NOAUTH Authentication required."
	ErrOOM           = "OOM command not allowed when used memory > 'maxmemory'."
	ErrExecAbort     = "EXECABORT Transaction discarded because of previous errors."
	ErrNoReplicas    = "NOREPLICAS Not enough good replicas to write."
	ErrBusyKey       = "BUSYKEY Target key name already exists."
	ErrReadonly      = "READONLY You can't write against a read only replica."
	ErrPrimaryDown   = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	ErrLoading       = "LOADING Valkey is loading the dataset in memory"
	ErrInvalidDB     = "ERR DB index is out of range"
	ErrInvalidPass   = "WRONGPASS invalid username-password pair or user is disabled."
	ErrNegativeCount = "ERR value is out of range, must be positive"
)

// addExpireTimeError replies Valkey's error for an expire time out of
// range (SET EX, EXPIRE, HEXPIRE and their kin), naming the command; the
// text is built only when the error is sent.
func addExpireTimeError(c *Client) {
	c.AddError("ERR invalid expire time in '" + c.Cmd.FullName + "' command")
}
