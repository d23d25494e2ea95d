import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'

/**
 * Real disks that fail on cue, for tests run as root (CI is): a size-limited
 * tmpfs (ENOSPC), and an ext4 file system on a loop device over a file on
 * its own small tmpfs (its "hardware"), which can be made read-only by the
 * kernel (EROFS, as after a detected error), made to fail its writeback (the
 * backing store fills: a failed sync), or made to fail reads (EIO). This
 * kernel has no device-mapper, so the `error`/`flakey` targets are not used.
 */
export class TestDisks {
  private readonly mounts: string[] = []
  private readonly loops: string[] = []

  /** Why these disks cannot be made here, or null when they can. */
  static unavailable (): string | null {
    if (process.getuid?.() !== 0) return 'not root: cannot mount file systems'
    try {
      execFileSync('losetup', ['--version'], { stdio: 'pipe' })
      execFileSync('mkfs.ext4', ['-V'], { stdio: 'pipe' })
      return null
    } catch (err) {
      return `losetup or mkfs.ext4 missing (${String((err as Error).message).split('\n')[0]})`
    }
  }

  async tmpfs (dir: string, size: string): Promise<string> {
    await mkdir(dir, { recursive: true })
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
    this.mounts.unshift(dir)
    return dir
  }

  /** An ext4 disk of `sizeMiB` at `dir`, backed by a file on a tmpfs of `backingMiB`. */
  async ext4 (dir: string, sizeMiB: number, backingMiB = sizeMiB + 16): Promise<LoopDisk> {
    const backing = await this.tmpfs(`${dir}.backing`, `${backingMiB}m`)
    const image = join(backing, 'disk.img')
    execFileSync('truncate', ['-s', `${sizeMiB}M`, image])
    execFileSync('mkfs.ext4', ['-q', '-F', image])
    const device = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim()
    this.loops.unshift(device)
    await mkdir(dir, { recursive: true })
    const disk = new LoopDisk(dir, backing, image, device)
    disk.mount()
    this.mounts.unshift(dir)
    return disk
  }

  /** Unmounts and detaches everything made, newest first. */
  cleanup (): void {
    for (const m of this.mounts.splice(0)) {
      quietly(() => execFileSync('umount', ['-l', m], { stdio: 'pipe' }))
    }
    for (const d of this.loops.splice(0)) {
      quietly(() => execFileSync('losetup', ['-d', d], { stdio: 'pipe' }))
    }
  }
}

export class LoopDisk {
  constructor (readonly dir: string, readonly backing: string, readonly image: string, readonly device: string) {}

  mount (): void {
    execFileSync('mount', ['-o', 'errors=remount-ro', this.device, this.dir])
  }

  /** The kernel finds an error and turns the file system read-only: every write and sync now fails with EROFS. */
  turnReadOnly (): void {
    execFileSync('sh', ['-c', `echo swarmdrop-test > /sys/fs/ext4/${basename(this.device)}/trigger_fs_error`])
  }

  /** The backing store fills up: writes still land in the page cache, and writing them back fails. */
  async failWriteback (): Promise<void> {
    const filler = join(this.backing, 'filler')
    await writeFile(filler, '')
    // dd ends with ENOSPC: that is the point.
    quietly(() => execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1M'], { stdio: 'pipe' }))
  }

  /**
   * The disk loses everything past its first MiB: reads of what is not cached fail with EIO.
   * Read-only first, so no later journal write grows the backing file again (it would read as zeros).
   */
  failReads (): void {
    execFileSync('mount', ['-o', 'remount,ro', this.dir])
    execFileSync('sh', ['-c', 'sync; echo 3 > /proc/sys/vm/drop_caches'])
    execFileSync('truncate', ['-s', '1M', this.image])
  }

  /** After a failure: room on the backing store again, the file system checked and mounted. */
  repair (): void {
    execFileSync('rm', ['-f', join(this.backing, 'filler')])
    execFileSync('umount', [this.dir], { stdio: 'pipe' })
    // e2fsck exits non-zero when it fixed something, as it will have.
    quietly(() => execFileSync('e2fsck', ['-fy', this.image], { stdio: 'pipe' }))
    this.mount()
  }
}

/** Runs `fn`, ignoring its failure: for clean-up, where what is already gone is fine. */
function quietly (fn: () => unknown): void {
  try { fn() } catch { /* already gone, or failing as expected */ }
}
