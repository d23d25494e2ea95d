import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { describeReachability, hostPort, type Connectivity } from '../../../../shared/connectivity.js'
import { bindingResponse, parseBindingRequest } from '../../../../src-main/engine/hub/stun-server.js'
import { publicDirect } from '../../../../src-main/engine/node/direct-upgrader.js'
import { defaultGateway } from '../../../../src-main/engine/node/port-mapper.js'
import { screenCandidate } from '../../../../src-main/engine/protocols/dialback/index.js'

const PEER = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const OTHER = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('what a hub agrees to dial back', () => {
  const observed = multiaddr('/ip4/11.0.0.9/tcp/50123')
  it('dials a TCP address on the IP the request came from, as the asking peer', () => {
    const r = screenCandidate('/ip4/11.0.0.9/tcp/4001', observed, PEER.toString())
    expect('dial' in r && r.dial.toString()).toBe(`/ip4/11.0.0.9/tcp/4001/p2p/${PEER.toString()}`)
  })
  it('refuses another IP, so a hub cannot be aimed at somebody else', () => {
    const r = screenCandidate('/ip4/11.0.0.10/tcp/4001', observed, PEER.toString())
    expect('reason' in r && r.reason).toMatch(/not the IP the request came from/)
  })
  it('refuses anything but plain TCP, another peer ID, a bad port, and garbage', () => {
    for (const a of ['/ip4/11.0.0.9/udp/4001', '/dns4/x.example/tcp/1', `/ip4/11.0.0.9/tcp/1/p2p/${OTHER.toString()}`, '/ip4/11.0.0.9/tcp/0', 'garbage', `/ip4/11.0.0.9/tcp/1/p2p/${PEER.toString()}/p2p-circuit`]) {
      expect('reason' in screenCandidate(a, observed, PEER.toString())).toBe(true)
    }
  })
})

describe('the hub\'s STUN answers', () => {
  const request = (over: Partial<{ type: number, length: number, cookie: number, extra: number }> = {}): Uint8Array => {
    const b = new Uint8Array(20 + (over.extra ?? 0))
    const v = new DataView(b.buffer)
    v.setUint16(0, over.type ?? 1)
    v.setUint16(2, over.length ?? (over.extra ?? 0))
    v.setUint32(4, over.cookie ?? 0x2112a442)
    for (let i = 8; i < 20; i++) b[i] = i
    return b
  }
  it('answers a binding request with the sender\'s address and port, XOR-ed as RFC 5389 says', () => {
    const id = parseBindingRequest(request())
    expect(id).not.toBeNull()
    const res = bindingResponse(id!, '11.91.0.101', 39960)
    const v = new DataView(res.buffer)
    expect(v.getUint16(0)).toBe(0x0101)
    expect([...res.slice(8, 20)]).toEqual([...id!])
    expect(v.getUint16(26) ^ 0x2112).toBe(39960)
    const ip = (v.getUint32(28) ^ 0x2112a442) >>> 0
    expect([ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.')).toBe('11.91.0.101')
  })
  it('ignores what is not a well-formed binding request', () => {
    expect(parseBindingRequest(request({ type: 0x0101 }))).toBeNull()
    expect(parseBindingRequest(request({ cookie: 1 }))).toBeNull()
    expect(parseBindingRequest(request({ length: 8 }))).toBeNull()
    expect(parseBindingRequest(new Uint8Array(10))).toBeNull()
    expect(parseBindingRequest(request({ extra: 600, length: 600 }))).toBeNull()
  })
})

describe('addresses worth a direct dial', () => {
  it('keeps a peer\'s public TCP addresses, with its ID, and drops LAN, loopback and relayed ones', () => {
    const addrs = ['/ip4/11.0.0.5/tcp/4001', '/ip4/192.168.1.2/tcp/4001', '/ip4/127.0.0.1/tcp/4001', `/ip4/11.0.0.1/tcp/4001/p2p/${OTHER.toString()}/p2p-circuit`].map(a => multiaddr(a))
    expect(publicDirect(addrs, PEER).map(a => a.toString())).toEqual([`/ip4/11.0.0.5/tcp/4001/p2p/${PEER.toString()}`])
  })
})

describe('the default gateway, for NAT-PMP', () => {
  it('reads it from the kernel\'s routing table (little-endian hex)', () => {
    const table = 'Iface\tDestination\tGateway \tFlags\n' +
      'eth0\t0001A8C0\t00000000\t0001\n' +
      'eth0\t00000000\t0101A8C0\t0003\n'
    expect(defaultGateway(table)).toBe('192.168.1.1')
    expect(defaultGateway('Iface\tDestination\tGateway\n')).toBeUndefined()
  })
})

describe('the verdict in words', () => {
  const base: Connectivity = { reachability: 'relayed', addrs: [], mapping: { state: 'no-router', external: null, reason: null, at: null }, hub: { peerId: 'h', reservation: 'x', observed: null }, holePunch: { attempts: 0, successes: 0 }, checkedAt: 1 }
  it('names the address people reach us at, and what to do when they cannot', () => {
    expect(describeReachability({ ...base, reachability: 'mapped', mapping: { ...base.mapping, state: 'mapped', external: '/ip4/11.0.0.7/tcp/4001' } })).toBe('Reachable from the internet at 11.0.0.7:4001 — port opened on your router by UPnP.')
    expect(describeReachability(base)).toMatch(/^Behind a router; peers reach you through your hub/)
    expect(describeReachability({ ...base, reachability: 'local', hub: null })).toMatch(/^No hub and no open port: only peers on your network and public peers can reach you/)
  })
  it('shows an address as host:port, IPv6 in brackets', () => {
    expect(hostPort('/ip4/1.2.3.4/tcp/5/p2p/x')).toBe('1.2.3.4:5')
    expect(hostPort('/ip6/::1/tcp/5')).toBe('[::1]:5')
    expect(hostPort('/dns4/x/tcp/5')).toBeNull()
    expect(hostPort(null)).toBeNull()
  })
})
