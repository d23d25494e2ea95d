/**
 * Files up to this size are hashed with synchronous reads. For a folder of
 * thousands of small files the cost was the thread-pool round trips of each
 * async open, read, stat and close, not the hashing: one file of 256 KiB
 * reads in well under a millisecond from the page cache, which is all the
 * event loop waits.
 */
export const SMALL_FILE_BYTES = 256 * 1024
