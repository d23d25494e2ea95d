// WebTorrent in Node talks TCP (and uTP); WebRTC is not used here, and the real polyfill needs a native build.
export const RTCPeerConnection = undefined
export const RTCSessionDescription = undefined
export const RTCIceCandidate = undefined
export default {}
