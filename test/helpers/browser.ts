import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Debian's Chromium, headless, with everything that phones home switched off
 * (this machine has no internet and tests talk to 127.0.0.1 only) and a
 * fresh profile (Playwright takes it as the persistent context's folder).
 */
export async function launchChromium (): Promise<{ context: BrowserContext, close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw oneLine(`the browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH); see the README's "Two commands"`)
  const profile = await mkdtemp(join(tmpdir(), 'swarmdrop-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  return {
    context,
    close: async () => {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    }
  }
}

/** An error the test report shows as its message alone: a missing browser needs no stack trace. */
function oneLine (message: string): Error {
  const err = new Error(message)
  err.stack = `Error: ${message}`
  return err
}
