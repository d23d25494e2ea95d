#!/usr/bin/env node
// The CLI as one file: resolving and reading some 1,500 modules one by one was most
// of a command's start-up (`id` 0.9 s, `get` of 1 KB 1.4 s; bundled 0.25 s and 0.4 s).
import { build } from 'esbuild'

await build({
  entryPoints: ['src-main/cli.ts'],
  outfile: 'dist/cli/swarmdrop.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // Whitespace and syntax only: names stay, so stack traces still read; a smaller file compiles sooner at start-up.
  minifyWhitespace: true,
  minifySyntax: true,
  // A native addon, loaded from its own folder at run time.
  external: ['classic-level'],
  // CommonJS dependencies inside an ES module still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __swarmdropRequire } from 'node:module'; const require = __swarmdropRequire(import.meta.url);" },
  logLevel: 'warning'
})
