import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The Electron suite needs the runtime and a display: scripts/test-electron.js runs it.
    exclude: ['test/electron/**', '**/node_modules/**'],
    setupFiles: ['./test/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Integration tests start several libp2p nodes and child processes on a 2-core box:
    // running files one at a time keeps timings honest and ports free.
    fileParallelism: false,
    reporters: ['default']
  }
})
