#!/usr/bin/env node
// The CLI is compiled by `npm run build` (run automatically by `npm install` through `prepare`).
import '../dist/src-main/cli.js'
