import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { clientFrameSchema, MAX_CLIENT_FRAME_BYTES, type ServerFrame } from '../../shared/api.js'
import { CSP } from '../../shared/csp.js'
import { ErrorCodes, isSwarmdropError } from '../../shared/errors.js'
import { log, type Router, type UploadArea } from '../api/index.js'
import { allowedHosts, hostAllowed, newToken, originAllowed, tokenMatches } from './auth.js'
import { serveStatic } from './static-files.js'

const logger = log('daemon')

/** A client that reads slower than events arrive is dropped once this much is queued for it. */
const MAX_CLIENT_BACKLOG_BYTES = 8 * 1024 * 1024
/** Calls one client may have running at once; more wait for a slot. */
const MAX_CALLS_IN_FLIGHT = 32

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}

export interface DaemonServerOptions {
  router: Router
  uploads: UploadArea
  /** The built renderer (index.html and assets/). */
  uiRoot: string
  host: string
  port: number
  token?: string
}

/**
 * The daemon's HTTP side: the built UI, the API as a WebSocket at
 * `/api?token=…`, and `/upload` where the browser streams dropped files.
 */
export class DaemonServer {
  readonly token: string
  private readonly http: Server
  private readonly wss: WebSocketServer
  private allowed = new Set<string>()
  private readonly clients = new Set<WebSocket>()

  constructor (private readonly opts: DaemonServerOptions) {
    this.token = opts.token ?? newToken()
    this.http = createServer((req, res) => { void this.onRequest(req, res) })
    this.http.on('upgrade', (req, socket, head) => { this.onUpgrade(req, socket, head) })
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES })
  }

  async listen (): Promise<{ url: string, port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject)
      this.http.listen(this.opts.port, this.opts.host, () => { this.http.off('error', reject); resolve() })
    })
    const port = (this.http.address() as AddressInfo).port
    this.allowed = allowedHosts(this.opts.host, port)
    const host = this.opts.host.includes(':') ? `[${this.opts.host}]` : this.opts.host
    return { url: `http://${host}:${port}/?token=${this.token}`, port }
  }

  async close (): Promise<void> {
    for (const c of this.clients) c.terminate()
    this.wss.close()
    this.http.closeAllConnections()
    await new Promise<void>(resolve => this.http.close(() => { resolve() }))
  }

  private refuse (res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS })
    res.end(message + '\n')
  }

  private async onRequest (req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (!hostAllowed(this.allowed, req.headers.host)) { this.refuse(res, 421, 'wrong Host header'); return }
      const url = new URL(req.url ?? '/', 'http://daemon')
      if (url.pathname === '/upload') { await this.onUpload(req, res, url); return }
      if (url.pathname === '/api') { this.refuse(res, 426, 'the API is a WebSocket'); return }
      // The page asks this when its WebSocket is refused: a wrong token (401) is told apart from a daemon that is down.
      if (url.pathname === '/session') {
        const ok = tokenMatches(this.token, req.headers['x-swarmdrop-token'] as string | undefined)
        res.writeHead(ok ? 204 : 401, { 'cache-control': 'no-store', ...SECURITY_HEADERS })
        res.end()
        return
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') { this.refuse(res, 405, 'method not allowed'); return }
      await serveStatic(this.opts.uiRoot, url.pathname, res, SECURITY_HEADERS)
    } catch (err) {
      logger.error('request %s failed: %e', req.url, err)
      if (!res.headersSent) this.refuse(res, 500, 'internal error')
      else res.destroy()
    }
  }

  /** One file per request: the body is streamed to disk under the data folder. */
  private async onUpload (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') { this.refuse(res, 405, 'POST a file'); return }
    if (!originAllowed(this.allowed, req.headers.origin)) { this.refuse(res, 403, 'foreign origin'); return }
    if (!tokenMatches(this.token, req.headers['x-swarmdrop-token'] as string | undefined ?? url.searchParams.get('token'))) { this.refuse(res, 401, 'wrong or missing token'); return }
    const job = url.searchParams.get('job') ?? ''
    const path = url.searchParams.get('path') ?? ''
    try {
      const root = await this.opts.uploads.write(job, path, req)
      res.writeHead(200, { 'content-type': 'application/json', ...SECURITY_HEADERS })
      res.end(JSON.stringify({ ok: true, value: { root } }))
    } catch (err) {
      const data = isSwarmdropError(err) ? err.toData() : { code: ErrorCodes.INTERNAL, message: (err as Error).message }
      res.writeHead(isSwarmdropError(err) ? 400 : 500, { 'content-type': 'application/json', ...SECURITY_HEADERS })
      res.end(JSON.stringify({ ok: false, error: data }))
    }
  }

  private onUpgrade (req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const deny = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`)
    }
    const url = new URL(req.url ?? '/', 'http://daemon')
    if (url.pathname !== '/api') { deny(404, 'Not Found'); return }
    if (!hostAllowed(this.allowed, req.headers.host)) { deny(421, 'Misdirected Request'); return }
    if (!originAllowed(this.allowed, req.headers.origin)) { logger('refused a WebSocket from origin %s', req.headers.origin); deny(403, 'Forbidden'); return }
    if (!tokenMatches(this.token, url.searchParams.get('token'))) { deny(401, 'Unauthorized'); return }
    this.wss.handleUpgrade(req, socket, head, ws => { this.onClient(ws) })
  }

  private onClient (ws: WebSocket): void {
    this.clients.add(ws)
    const send = (frame: ServerFrame): void => {
      if (ws.readyState !== ws.OPEN) return
      if (ws.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) { logger('dropping a client that stopped reading'); ws.terminate(); return }
      ws.send(JSON.stringify(frame))
    }
    const unsubscribe = this.opts.router.subscribe((name, payload) => { send({ type: 'event', name, payload }) })
    let inFlight = 0
    ws.on('message', (data, isBinary) => {
      if (isBinary) { ws.close(1003, 'text frames only'); return }
      let frame
      try {
        frame = clientFrameSchema.parse(JSON.parse(String(data)))
      } catch {
        ws.close(1007, 'malformed frame')
        return
      }
      if (++inFlight > MAX_CALLS_IN_FLIGHT) { inFlight--; send({ type: 'result', id: frame.id, result: { ok: false, error: { code: ErrorCodes.USAGE, message: 'too many calls at once' } } }); return }
      void this.opts.router.handle(frame.command, frame.request).then(result => {
        inFlight--
        send({ type: 'result', id: frame.id, result })
      })
    })
    ws.on('close', () => { unsubscribe(); this.clients.delete(ws) })
    ws.on('error', () => { ws.terminate() })
  }
}
