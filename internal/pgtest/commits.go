package pgtest

// LossyCommits are settings under which CrashCommand loses transactions
// the server had acknowledged. With synchronous_commit off, a commit is
// acknowledged as soon as its WAL is in the server's memory. The WAL writer
// hands each 8 kB WAL page to the kernel once it is full, but the page
// still being filled only every wal_writer_delay (here its longest, 10 s).
// An immediate stop kills the server, not the kernel, so it loses the
// transactions on that last page: a few dozen small inserts, whether the
// crash comes under load or up to 10 s after the last write.
// (wal_writer_flush_after and fsync decide what a crash of the machine
// would lose, which a test cannot cause.)
func LossyCommits() map[string]string {
	return map[string]string{"synchronous_commit": "off", "wal_writer_delay": "10s"}
}

// DurableCommits are settings under which no acknowledged transaction is
// lost by a crash: each commit waits until its WAL is flushed.
func DurableCommits() map[string]string {
	return map[string]string{"synchronous_commit": "on", "fsync": "on"}
}
