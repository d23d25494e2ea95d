import { open, type FileHandle } from 'node:fs/promises'

/**
 * Open read handles, least recently used closed first: a seeder with
 * thousands of shared files must not run out of descriptors.
 */
export class FileHandleCache {
  private readonly handles = new Map<string, Promise<FileHandle>>()

  constructor (private readonly max = 64) {}

  async read (path: string, offset: number, length: number): Promise<Buffer> {
    const fh = await this.handle(path)
    const buf = Buffer.allocUnsafe(length)
    let done = 0
    while (done < length) {
      const { bytesRead } = await fh.read(buf, done, length - done, offset + done)
      if (bytesRead === 0) throw new Error(`${path} is shorter than expected`)
      done += bytesRead
    }
    return buf
  }

  async closeAll (): Promise<void> {
    const all = [...this.handles.values()]
    this.handles.clear()
    await Promise.all(all.map(async p => { await (await p.catch(() => null))?.close().catch(() => {}) }))
  }

  private async handle (path: string): Promise<FileHandle> {
    let p = this.handles.get(path)
    if (p != null) {
      this.handles.delete(path)
      this.handles.set(path, p)
      return await p
    }
    p = open(path, 'r')
    this.handles.set(path, p)
    p.catch(() => this.handles.delete(path))
    while (this.handles.size > this.max) {
      const [oldest, op] = this.handles.entries().next().value as [string, Promise<FileHandle>]
      this.handles.delete(oldest)
      void op.then(async fh => { await fh.close() }).catch(() => {})
    }
    return await p
  }
}
