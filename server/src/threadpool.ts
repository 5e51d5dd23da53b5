// Sizes libuv's thread pool before its first use (it is created lazily, once per process).
// Why: sqlite3 runs every statement there, and so do the leaf signatures (crypto.sign with a
// callback). With the default 4 threads, a burst of joins fills the queue with signatures and
// each statement of the serialized write transaction waits behind them, so the one writer,
// not the CPUs, would cap joins per second. An explicit UV_THREADPOOL_SIZE wins.
const DEFAULT_THREADPOOL_SIZE = 16;

process.env['UV_THREADPOOL_SIZE'] ??= String(DEFAULT_THREADPOOL_SIZE);
