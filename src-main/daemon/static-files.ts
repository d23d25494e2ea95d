import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, relative, isAbsolute } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2'
}

/** Serves the built renderer; anything outside `root` does not exist. Unknown paths get the app (client-side routes). */
export async function serveStatic (root: string, urlPath: string, res: ServerResponse, headers: Record<string, string>): Promise<void> {
  let rel = decodeURIComponent(urlPath.split('?')[0] ?? '/')
  if (rel === '/' || rel === '') rel = '/index.html'
  const file = normalize(join(root, rel))
  const r = relative(root, file)
  const inside = r !== '' && !r.startsWith('..') && !isAbsolute(r)
  const info = inside ? await stat(file).catch(() => null) : null
  const path = info?.isFile() === true ? file : join(root, 'index.html')
  const size = info?.isFile() === true ? info.size : (await stat(path).catch(() => null))?.size
  if (size == null) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', ...headers })
    res.end('The UI is not built: run `npm run build` first.\n')
    return
  }
  const immutable = path.includes(`${join(root, 'assets')}`)
  res.writeHead(200, {
    'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
    'content-length': String(size),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...headers
  })
  createReadStream(path).pipe(res)
}
