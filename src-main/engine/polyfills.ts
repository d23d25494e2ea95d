/**
 * libp2p 3 calls Promise.withResolvers, which Node 20 lacks; without it the
 * inbound handshake dies and the only symptom is ECONNRESET. Import this
 * module before anything that loads libp2p.
 */
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> () {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}

export {}
