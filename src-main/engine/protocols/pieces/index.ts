/** The piece exchange: serves uploads under the upload policy, opens download channels. */
export { pieceExchange, PieceExchange, type PieceExchangeComponents, type PieceExchangeInit } from './exchange.js'
export { PieceChannel, type ChannelEvents, type ChannelOptions } from './channel.js'
export { SHARE_CHANGED_MESSAGE, type UploadPolicy, type UploadSlot } from './uploader.js'
export { LIMITS, PROTOCOL, type PiecesLimits } from './constants.js'
export { decode, encode, ErrorReason, type PieceMessage } from './messages.js'
