package app

// DevServerSQLitePragmas configure the SQLite file of the local Temporal
// dev server (`temporal server start-dev --db-filename`, as scripts/stack.sh,
// the bench and the fault run start it). WAL with synchronous=normal
// commits without an fsync per transaction: the server's history writes,
// not its CPU, bound callcycle on the default rollback journal (the scale
// run measured twice the grant throughput with these). A killed or
// restarted server loses nothing; a power cut may lose its last commits,
// which a developer machine's dev server can afford. scripts/stack.sh
// repeats them (SQLITE_PRAGMAS, checked by internal/stack's tests).
var DevServerSQLitePragmas = []string{"journal_mode=wal", "synchronous=normal"}
