// Password and token hashing lives in protocol/credentials.ts: the gateway's config uses the same
// format (Node-RED login, local admin), and protocol/ is where the two sides share code.
export * from '../../protocol/credentials.js'
