#!/usr/bin/env node
// Renders assets/icon.svg to the PNGs packaging and the tray need, with Debian's Chromium.
// Run by hand when the icon changes: node scripts/render-icons.js
import { readFile } from 'node:fs/promises'
import { chromium } from 'playwright-core'

const svg = await readFile(new URL('../assets/icon.svg', import.meta.url), 'utf8')
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] })
try {
  for (const [name, size] of [['icon.png', 512], ['tray.png', 32], ['tray@2x.png', 64]]) {
    const page = await browser.newPage({ viewport: { width: size, height: size } })
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg.replace('width="512" height="512"', `width="${size}" height="${size}"`)}</body></html>`)
    await page.screenshot({ path: new URL(`../assets/${name}`, import.meta.url).pathname, omitBackground: true })
    await page.close()
  }
} finally {
  await browser.close()
}
