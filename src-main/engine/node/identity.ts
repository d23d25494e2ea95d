import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StateCorruptError } from '../../../shared/errors.js'
import { writeFileAtomic } from '../base/atomic-file.js'

const KEY_FILE = 'identity.key'

/**
 * The node's Ed25519 key, created on first use and kept in the data folder so
 * the peer ID stays the same across restarts. Owner-only permissions: the key
 * is the node's identity.
 */
export async function loadOrCreateIdentity (dataDir: string): Promise<PrivateKey> {
  const file = join(dataDir, KEY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = await readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  if (bytes != null) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new StateCorruptError(`identity key ${file} is unreadable; move it away to create a new identity`, err)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await writeFileAtomic(file, privateKeyToProtobuf(key), { mode: 0o600 })
  return key
}

/** The peer ID the data folder's key gives, creating the key on first use: all `swarmdrop id` needs, without a node. */
export async function peerIdOf (dataDir: string): Promise<string> {
  await mkdir(dataDir, { recursive: true })
  return peerIdFromPrivateKey(await loadOrCreateIdentity(dataDir)).toString()
}
