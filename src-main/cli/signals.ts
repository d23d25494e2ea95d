/** Resolves when the user asks the process to stop. */
export function untilSignal (): Promise<NodeJS.Signals> {
  return new Promise(resolve => {
    process.once('SIGINT', () => { resolve('SIGINT') })
    process.once('SIGTERM', () => { resolve('SIGTERM') })
  })
}
