import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Everything a suite leaves behind (child processes, temp dirs) is registered
 * here, so one call tears it all down whether the suite finished, threw, or
 * the user pressed Ctrl+C half way through a 1 GiB run.
 */
const children = new Set<ChildProcess>()
const dirs = new Set<string>()

/** Spawns `node <script> ...args`; the child is killed by cleanup() if still running. */
export function spawnNode (script: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
  children.add(child)
  child.once('exit', () => { children.delete(child) })
  return child
}

/** Spawns any command (e.g. `ip netns exec <ns> node ...`); killed by cleanup() like the rest. */
export function spawnCommand (command: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
  children.add(child)
  child.once('exit', () => { children.delete(child) })
  return child
}

export function kill (child: ChildProcess): void {
  if (child.exitCode == null && child.signalCode == null) child.kill('SIGKILL')
}

export async function tempDir (prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  dirs.add(dir)
  return dir
}

/** Kills every child still running and removes every temp dir; safe to call twice. */
export async function cleanup (): Promise<void> {
  const exits = [...children].map(async c => {
    const gone = new Promise<void>(resolve => c.once('exit', () => { resolve() }))
    kill(c)
    await gone
  })
  await Promise.all(exits)
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  dirs.clear()
}

/**
 * Last resort for exits that skip the async path (an uncaught error, stdout
 * closed under us): runs on 'exit', where only synchronous work is possible.
 */
process.once('exit', () => {
  for (const c of children) kill(c)
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
