import { defineConfig } from 'vitest/config'

/** The Electron suite alone (`npm run test:electron`, through scripts/test-electron.js, which finds the runtime and a display). */
export default defineConfig({
  test: {
    include: ['test/electron/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 90_000,
    fileParallelism: false,
    reporters: ['default']
  }
})
