// The hub's side of network quality measurement (DESIGN.md, "Network quality"): the UDP echo the
// gateways' light probe talks to, and the HTTP endpoints of their throughput test and clock check.
// Both are self-contained; the hub starts the echo beside its HTTP server and registers the routes.
export { ProbeEchoServer, type ProbeEchoServerOptions, type ProbeEchoStats } from './udp-echo-server.js'
export { probeRoutes, UploadResult, type ProbeRoutesOptions } from './probe-routes.js'
