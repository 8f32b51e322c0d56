package intake

import "time"

// The shortest time the personal data of a submission that never reached
// a workflow may stay in intake_inbox (INTAKE_RETENTION, default a day as
// the first migration promised, is checked against it), and the lock that
// keeps a running import's rows out of the purge. The CLI (which stages
// rows) and the purge activity (which deletes them) must agree on both.
const (
	// MinRetention bounds INTAKE_RETENTION from below. The lock protects
	// a live import; once its CLI is gone, the updates it had sent are
	// accepted or dropped by the server within moments, and an accepted
	// one's activity commits within seconds while a worker runs. An hour
	// is far longer than that, so a shorter setting is refused rather than
	// allowed to race it.
	MinRetention = time.Hour
	// ImportLockClass is the first key of the advisory lock a `starter`
	// run holds (shared) on hashtext(import_id) from before it stages its
	// rows until it has removed the refused ones; the purge takes the same
	// lock exclusively, without waiting, and skips the rows when it cannot.
	ImportLockClass int32 = 0x43430001
)
