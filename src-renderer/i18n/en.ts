/** Every string the UI shows, in English. Korean (ko.ts) must have the same keys: the type checker holds it to that. */
export const en = {
  app: { title: 'Swarmdrop', tagline: 'Share files peer to peer', yourId: 'Your peer ID', copyId: 'Copy peer ID', offline: 'Lost the connection to Swarmdrop. Reconnecting…', restartNeeded: 'Some settings take effect after a restart.' },
  nav: { label: 'Sections', transfers: 'Transfers', peers: 'Peers', feed: 'Swarm feed', settings: 'Settings' },
  theme: { label: 'Theme', system: 'System', light: 'Light', dark: 'Dark' },
  language: { label: 'Language' },
  drop: {
    region: 'Drop files to share',
    title: 'Drop files or folders here to share them',
    hint: 'They are hashed on this computer, then anyone with the link can download them from you and from each other.',
    chooseFiles: 'Choose files…',
    chooseFolder: 'Choose a folder…',
    uploading: 'Preparing {{name}}: {{percent}}%',
    hashing: 'Hashing {{name}}: {{percent}}%',
    failed: 'Could not share: {{message}}'
  },
  shares: {
    title: 'Your shares',
    empty: 'Nothing shared yet. Drop a file above and send the link to a friend.',
    link: 'Share link',
    copy: 'Copy link',
    copied: 'Copied',
    qr: 'QR code of the link for {{name}}',
    stop: 'Stop sharing',
    summary_one: '{{size}} · {{count}} file',
    summary_other: '{{size}} · {{count}} files'
  },
  join: {
    label: 'Peer ID or link',
    placeholder: 'Paste a swarmdrop:// link, a content ID or a peer ID',
    go: 'Go',
    hint: 'A link starts a download; a peer ID shows what that peer shares.',
    browsing: 'Looking up {{peer}}…',
    catalogTitle: 'Shared by {{peer}}',
    catalogEmpty: 'This peer shares nothing right now.',
    download: 'Download',
    close: 'Close'
  },
  downloads: {
    title: 'Downloads',
    empty: 'No downloads yet. Paste a link in the box at the top to start one.',
    state: { connecting: 'Connecting', checking: 'Checking', downloading: 'Downloading', paused: 'Paused', seeding: 'Done · seeding', failed: 'Failed' },
    progress: 'Progress of {{name}}',
    eta: '{{time}} left',
    peers_one: '{{count}} peer',
    peers_other: '{{count}} peers',
    pause: 'Pause',
    resume: 'Resume',
    retry: 'Retry',
    cancel: 'Cancel',
    remove: 'Remove',
    open: 'Open',
    show: 'Show in folder',
    pieceMap: 'Piece map of {{name}}: {{have}} of {{total}} pieces',
    pieces: 'Pieces',
    sources: 'Received from',
    path: { direct: 'direct', relay: 'relayed', hub: 'hub' },
    routes: 'Routes',
    route: { direct: 'You — peer (direct)', relay: 'You — relay — peer', hub: 'You — hub (its store)' }
  },
  peers: {
    title: 'Connected peers',
    empty: 'Not connected to anyone yet. Peers appear here when you share or download.',
    id: 'Peer ID',
    addrs: 'Addresses',
    route: 'Route',
    direct: 'Direct',
    relayed: 'Relayed',
    latency: 'Latency',
    received: 'Received',
    sent: 'Sent',
    inbound: 'they connected',
    outbound: 'we connected'
  },
  chart: { title: 'Throughput', up: 'Upload', down: 'Download', time: 'Time', secondsAgo: '{{s}}s', label: 'Throughput over the last two minutes: {{down}} down, {{up}} up' },
  feed: {
    title: 'Swarm feed',
    empty: 'Nothing yet. Members of your swarms announce themselves and their shares here.',
    presence: '{{from}} joined ({{have}} of {{total}} pieces)',
    presenceSeed: '{{from}} is seeding',
    share: '{{from}} shares "{{name}}" ({{size}})',
    progress: '{{from}} is at {{percent}}%'
  },
  settings: {
    title: 'Settings',
    downloadDir: 'Download folder',
    listenPort: 'Listen port (0 = any free port)',
    upLimit: 'Upload limit (bytes per second, 0 = none)',
    downLimit: 'Download limit (bytes per second, 0 = none)',
    publicDht: 'Also use the public IPFS DHT (find content across the internet)',
    hubAddr: 'Hub address (multiaddr ending in /p2p/…)',
    save: 'Save',
    saved: 'Saved',
    bans: 'Banned peers',
    noBans: 'No peer is banned.'
  },
  notify: { finished: 'Downloaded {{name}}', dismiss: 'Dismiss' },
  errors: { generic: 'Something went wrong: {{message}}' }
}

export type Messages = typeof en
