#!/usr/bin/env node
// The CLI bundled: resolving and reading some 1,500 modules one by one was most
// of a command's start-up (`id` 0.9 s, `get` of 1 KB 1.4 s; bundled 0.25 s and 0.4 s).
// Split into chunks: each command is loaded when it runs (src-main/cli.ts), so `id`
// compiles a few hundred KB, not the whole libp2p stack.
import { build } from 'esbuild'
import { rm } from 'node:fs/promises'

// Chunk names carry a content hash: without this, every build would leave the last one's chunks behind.
await rm('dist/cli', { recursive: true, force: true })

await build({
  entryPoints: ['src-main/cli.ts'],
  outdir: 'dist/cli',
  entryNames: 'swarmdrop',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // Whitespace and syntax only: names stay, so stack traces still read; a smaller file compiles sooner at start-up.
  minifyWhitespace: true,
  minifySyntax: true,
  // A native addon, loaded from its own folder at run time; the SSDP client reads its own
  // package.json by a path relative to its file, which a bundle would break.
  external: ['classic-level', '@achingbrain/ssdp'],
  // CommonJS dependencies inside an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __swarmdropRequire } from 'node:module'; const require = __swarmdropRequire(import.meta.url);" },
  logLevel: 'warning'
})
