import { close, closeSync, fdatasync, ftruncate, ftruncateSync, open, read, readSync, writev, writevSync } from 'node:fs'
import { promisify } from 'node:util'
import { InternalError } from '../../../shared/errors.js'
import { SMALL_FILE_BYTES } from './small-files.js'

const openAsync = promisify(open)
const closeAsync = promisify(close)
const fdatasyncAsync = promisify(fdatasync)
const ftruncateAsync = promisify(ftruncate)
const readAsync = promisify(read)
const writevAsync = promisify(writev)

/**
 * An open `.part` file: one descriptor. Files up to SMALL_FILE_BYTES are
 * written, cut and closed with synchronous calls: for a folder of 3,000 small
 * files the thread-pool round trip of each async call was a cost of its own
 * (a 256 KiB write into the page cache takes well under a millisecond of the
 * event loop). Opening and the flush to disk stay asynchronous for every
 * file: those wait on the device.
 */
export class PartHandle {
  /** Calls on the descriptor not yet returned: close() waits for them, so none runs on a closed (or reused) fd. */
  private inFlight = 0
  private drained?: PromiseWithResolvers<void>
  private closing?: Promise<void>

  private constructor (private readonly fd: number, private readonly small: boolean) {}

  /** True once close() was called: every later call rejects with HandleClosedError. */
  get closed (): boolean {
    return this.closing != null
  }

  private async use<T> (op: () => T | Promise<T>): Promise<T> {
    if (this.closing != null) throw new HandleClosedError()
    this.inFlight++
    try {
      return await op()
    } finally {
      if (--this.inFlight === 0) this.drained?.resolve()
    }
  }

  static async open (path: string, flags: 'r' | 'r+' | 'w+' | 'wx+', size: number): Promise<PartHandle> {
    // Opening stays on the thread pool for every file: making a file waits on the file system's journal
    // (0.03 to 1 ms each here, depending on what else the disk is doing), which the event loop must not.
    return new PartHandle(await openAsync(path, flags), size <= SMALL_FILE_BYTES)
  }

  async writev (chunks: readonly Uint8Array[], position: number): Promise<number> {
    return await this.use(async () => {
      if (this.small) return writevSync(this.fd, chunks as Uint8Array[], position)
      return (await writevAsync(this.fd, chunks as Uint8Array[], position)).bytesWritten
    })
  }

  async read (buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    return await this.use(async () => {
      if (this.small) return readSync(this.fd, buf, offset, length, position)
      return (await readAsync(this.fd, buf, offset, length, position)).bytesRead
    })
  }

  async truncate (size: number): Promise<void> {
    await this.use(async () => {
      if (this.small) ftruncateSync(this.fd, size)
      else await ftruncateAsync(this.fd, size)
    })
  }

  async datasync (): Promise<void> {
    await this.use(async () => { await fdatasyncAsync(this.fd) })
  }

  /** Closes the descriptor once every call on it has returned; safe to call twice. */
  async close (): Promise<void> {
    this.closing ??= (async () => {
      if (this.inFlight > 0) {
        this.drained = Promise.withResolvers<void>()
        await this.drained.promise
      }
      if (this.small) closeSync(this.fd)
      else await closeAsync(this.fd)
    })()
    await this.closing
  }
}

/** A call on a `.part` handle after it was closed (its file was finished and renamed meanwhile): callers expect it and move on. */
export class HandleClosedError extends InternalError {
  constructor () {
    super('the .part file handle was closed')
    this.name = 'HandleClosedError'
  }
}
