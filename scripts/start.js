#!/usr/bin/env node
// `npm start`: the desktop window arrives with the app release (issue #4). Until then this
// shows the node's identity and how to use the command line, which is the whole app today.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const bin = fileURLToPath(new URL('../bin/swarmdrop.js', import.meta.url))
const id = spawnSync(process.execPath, [bin, 'id'], { encoding: 'utf8' })
process.stdout.write(`Swarmdrop — peer-to-peer file sharing\n\nYour peer ID: ${id.stdout.trim() || '(could not create an identity: ' + id.stderr.trim() + ')'}\n\n`)
process.stdout.write('The desktop window is not part of this release yet; everything works from the command line:\n\n')
process.stdout.write('  npx swarmdrop share <file-or-folder>      share, and print a link\n')
process.stdout.write('  npx swarmdrop get <link> --out <folder>   download from everyone who has it\n\n')
spawnSync(process.execPath, [bin, '--help'], { stdio: 'inherit' })
