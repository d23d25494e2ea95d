import WebSocket from 'ws'
import type { CommandName, EventName, Request, Response, Result, ServerFrame } from '../../shared/api.js'

/** A plain WebSocket client of the daemon's API, as a script (or an attacker) would write one. */
export class ApiClient {
  readonly events: Array<{ name: EventName, payload: unknown }> = []
  private nextId = 1
  private readonly pending = new Map<number, (r: Result<unknown>) => void>()

  private constructor (readonly ws: WebSocket) {
    ws.on('message', data => {
      const frame = JSON.parse(String(data)) as ServerFrame
      if (frame.type === 'result') { this.pending.get(frame.id)?.(frame.result); this.pending.delete(frame.id) } else this.events.push({ name: frame.name, payload: frame.payload })
    })
  }

  static async connect (url: string, headers: Record<string, string> = {}): Promise<ApiClient> {
    const ws = new WebSocket(url, { headers })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => { resolve() })
      ws.once('unexpected-response', (_req, res) => { reject(new Error(`HTTP ${res.statusCode}`)) })
      ws.once('error', reject)
    })
    return new ApiClient(ws)
  }

  async raw (command: string, request: unknown): Promise<Result<unknown>> {
    const id = this.nextId++
    return await new Promise(resolve => {
      this.pending.set(id, resolve)
      this.ws.send(JSON.stringify({ type: 'call', id, command, request }))
    })
  }

  async call<C extends CommandName> (command: C, request: Request<C>): Promise<Response<C>> {
    const r = await this.raw(command, request)
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code })
    return r.value as Response<C>
  }

  close (): void {
    this.ws.close()
  }
}

/** The HTTP status a WebSocket handshake gets (101 when it is accepted). */
export async function handshakeStatus (url: string, headers: Record<string, string> = {}): Promise<number> {
  return await new Promise(resolve => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => { ws.close(); resolve(101) })
    ws.once('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate() })
    ws.once('error', () => { resolve(0) })
  })
}
