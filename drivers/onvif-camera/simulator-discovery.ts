// The simulator's WS-Discovery responder (WS-Discovery 2005/04 as ONVIF Core §7 uses it): listens on
// UDP 3702, joins the 239.255.255.250 multicast group when it can, and answers a Probe for
// NetworkVideoTransmitter with a ProbeMatch naming the device service address.
import { createSocket, type Socket } from 'node:dgram'
import { randomUUID } from 'node:crypto'
import { NS } from './simulator-soap.js'
import { escapeXml, parseXml, path, textOf } from './xml.js'

export const WS_DISCOVERY_GROUP = '239.255.255.250'
export const WS_DISCOVERY_PORT = 3702

export interface DiscoveryResponderOptions {
  port?: number
  endpoint: string
  /** The device service URL put in XAddrs. */
  xaddr: () => string
  scopes: string[]
}

export interface DiscoveryResponder {
  /** Whether the multicast group could be joined (unicast probes are answered either way). */
  readonly multicast: boolean
  stop: () => Promise<void>
}

function probeMatch (relatesTo: string, options: DiscoveryResponderOptions): string {
  return '<?xml version="1.0" encoding="UTF-8"?>' +
    `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="${NS.wsa}" xmlns:d="${NS.wsd}" xmlns:dn="${NS.dn}">` +
    '<env:Header>' +
    `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    `<wsa:RelatesTo>${escapeXml(relatesTo)}</wsa:RelatesTo>` +
    '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
    '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>' +
    '</env:Header><env:Body><d:ProbeMatches><d:ProbeMatch>' +
    `<wsa:EndpointReference><wsa:Address>${escapeXml(options.endpoint)}</wsa:Address></wsa:EndpointReference>` +
    '<d:Types>dn:NetworkVideoTransmitter</d:Types>' +
    `<d:Scopes>${escapeXml(options.scopes.join(' '))}</d:Scopes>` +
    `<d:XAddrs>${escapeXml(options.xaddr())}</d:XAddrs>` +
    '<d:MetadataVersion>1</d:MetadataVersion>' +
    '</d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>'
}

export async function startDiscoveryResponder (options: DiscoveryResponderOptions): Promise<DiscoveryResponder> {
  const socket: Socket = createSocket({ type: 'udp4', reuseAddr: true })
  socket.on('error', () => { /* a bad datagram or a lost interface must not stop the simulator */ })
  socket.on('message', (msg, rinfo) => {
    let relatesTo: string
    try {
      const envelope = parseXml(msg.toString('utf8'))
      const probe = path(envelope, 'Body', 'Probe')
      if (probe === undefined) return
      const types = textOf(probe, 'Types') ?? ''
      if (types !== '' && !/NetworkVideoTransmitter|Device/.test(types)) return
      relatesTo = textOf(envelope, 'Header', 'MessageID') ?? ''
    } catch {
      return // not a probe we understand: a camera stays silent
    }
    const reply = Buffer.from(probeMatch(relatesTo, options))
    socket.send(reply, rinfo.port, rinfo.address, () => { /* errors: see 'error' above */ })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(options.port ?? WS_DISCOVERY_PORT, () => { socket.off('error', reject); resolve() })
  })
  let multicast = false
  try {
    socket.addMembership(WS_DISCOVERY_GROUP)
    multicast = true
  } catch { /* no multicast route (e.g. a container): unicast probes still work */ }
  return {
    multicast,
    stop: async () => { await new Promise<void>((resolve) => socket.close(() => resolve())) }
  }
}
