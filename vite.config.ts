import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The renderer is built once and served two ways: from the daemon over HTTP,
// and inside Electron through the app:// protocol. Relative asset paths suit both.
export default defineConfig({
  root: 'src-renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // The CSP forbids inline scripts and styles: keep every asset a file.
    assetsInlineLimit: 0,
    sourcemap: true,
    chunkSizeWarningLimit: 800
  }
})
