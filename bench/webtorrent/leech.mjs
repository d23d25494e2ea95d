// Downloads a magnet link with WebTorrent 3 from the one peer given (127.0.0.1:<port>) into a
// folder, and exits when every piece is verified. Prints {"done": true, "bytes"}.
import WebTorrent from 'webtorrent'

const [magnet, peer, out] = process.argv.slice(2)
const client = new WebTorrent({ dht: false, tracker: false, lsd: false, utp: false, webSeeds: false, natUpnp: false, natPmp: false })
client.on('error', err => { process.stderr.write(`${err.message}\n`); process.exit(1) })
const torrent = client.add(magnet, { path: out, announce: [] })
torrent.once('infoHash', () => { torrent.addPeer(peer) })
torrent.on('done', () => {
  process.stdout.write(`${JSON.stringify({ done: true, bytes: torrent.length })}\n`)
  client.destroy(() => process.exit(0))
})
