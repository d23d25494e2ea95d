// Seeds one file with WebTorrent 3 on 127.0.0.1, nothing else (no DHT, trackers, LSD, uTP),
// and prints {"magnet", "port"} once it is ready. Runs until killed.
import WebTorrent from 'webtorrent'

const client = new WebTorrent({ dht: false, tracker: false, lsd: false, utp: false, webSeeds: false, natUpnp: false, natPmp: false })
client.on('error', err => { process.stderr.write(`${err.message}\n`); process.exit(1) })
client.seed(process.argv[2], { announce: [] }, torrent => {
  process.stdout.write(`${JSON.stringify({ magnet: torrent.magnetURI, port: client.address().port })}\n`)
})
