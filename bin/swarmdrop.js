#!/usr/bin/env node
// The CLI, bundled into one file by `npm run build` (run automatically by `npm install` through `prepare`).
import '../dist/cli/swarmdrop.mjs'
