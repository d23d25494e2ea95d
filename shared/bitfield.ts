/**
 * A fixed-size set of piece indices, most significant bit first in each byte
 * (the BitTorrent wire order), so it can go on the wire and to disk as is.
 */
export class Bitfield {
  readonly size: number
  readonly bytes: Uint8Array
  private setCount: number

  constructor (size: number, bytes?: Uint8Array) {
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid bitfield size ${size}`)
    this.size = size
    const byteLength = Bitfield.byteLength(size)
    if (bytes != null) {
      if (bytes.byteLength !== byteLength) throw new RangeError(`bitfield of ${size} bits needs ${byteLength} bytes, got ${bytes.byteLength}`)
      // Spare bits past `size` must be zero, or two equal sets would encode differently.
      const spare = byteLength * 8 - size
      if (spare > 0 && (bytes[byteLength - 1]! & ((1 << spare) - 1)) !== 0) throw new RangeError('bitfield has bits set past its size')
      this.bytes = Uint8Array.from(bytes)
    } else {
      this.bytes = new Uint8Array(byteLength)
    }
    this.setCount = 0
    for (const b of this.bytes) this.setCount += popcount(b)
  }

  static byteLength (size: number): number {
    return Math.ceil(size / 8)
  }

  static full (size: number): Bitfield {
    const bf = new Bitfield(size)
    for (let i = 0; i < size; i++) bf.set(i)
    return bf
  }

  get (index: number): boolean {
    this.check(index)
    return (this.bytes[index >> 3]! & (0x80 >> (index & 7))) !== 0
  }

  set (index: number, value = true): void {
    this.check(index)
    const mask = 0x80 >> (index & 7)
    const byte = this.bytes[index >> 3]!
    const had = (byte & mask) !== 0
    if (value === had) return
    this.bytes[index >> 3] = value ? byte | mask : byte & ~mask
    this.setCount += value ? 1 : -1
  }

  count (): number {
    return this.setCount
  }

  isComplete (): boolean {
    return this.setCount === this.size
  }

  /** Indices that are not set, in order. */
  * missing (): Generator<number> {
    for (let i = 0; i < this.size; i++) if (!this.get(i)) yield i
  }

  clone (): Bitfield {
    return new Bitfield(this.size, this.bytes)
  }

  private check (index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`piece index ${index} out of range 0..${this.size - 1}`)
  }
}

function popcount (b: number): number {
  let n = 0
  while (b !== 0) { n += b & 1; b >>= 1 }
  return n
}
