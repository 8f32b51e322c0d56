package app

// DevServerSQLitePragmas configure the SQLite file of the local Temporal
// dev server (`temporal server start-dev --db-filename`, as internal/launcher
// starts it for make dev, the bench and the fault run). WAL with synchronous=normal
// commits without an fsync per transaction: the server's history writes,
// not its CPU, bound callcycle on the default rollback journal (the scale
// run measured twice the grant throughput with these). A killed or
// restarted server loses nothing; a power cut may lose its last commits,
// which a developer machine's dev server can afford.
var DevServerSQLitePragmas = []string{"journal_mode=wal", "synchronous=normal"}
