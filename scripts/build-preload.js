#!/usr/bin/env node
// The Electron preload runs sandboxed: it may require only Electron's own modules,
// so it is bundled into one CommonJS file with the API names inlined.
import { build } from 'esbuild'

await build({
  entryPoints: ['src-main/electron/preload.ts'],
  outfile: 'dist/src-main/electron/preload.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['electron'],
  logLevel: 'warning'
})
