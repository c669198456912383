// SOAP 1.2 envelopes and faults as an ONVIF camera writes them: the namespace prefixes real
// devices use (tds, trt, tptz, tt, ter), faults with the ONVIF error subcodes (ONVIF Core 5.11).
import { escapeXml } from './xml.js'

export const NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  dn: 'http://www.onvif.org/ver10/network/wsdl'
} as const

/** Which service a request belongs to, by the namespace of its body element. */
export type OnvifService = 'device' | 'media' | 'ptz'

export function serviceOfNamespace (namespace: string): OnvifService | undefined {
  if (namespace === NS.tds) return 'device'
  if (namespace === NS.trt) return 'media'
  if (namespace === NS.tptz) return 'ptz'
  return undefined
}

const declarations = Object.entries(NS)
  .filter(([prefix]) => !['wsa', 'wsd', 'dn'].includes(prefix))
  .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`).join(' ')

export function envelope (body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<env:Envelope ${declarations}><env:Body>${body}</env:Body></env:Envelope>`
}

export interface SoapFault {
  /** env:Sender (the request is wrong) or env:Receiver (the device failed). */
  code: 'env:Sender' | 'env:Receiver'
  /** ONVIF subcodes, outermost first, e.g. ['ter:InvalidArgVal', 'ter:NoToken']. */
  subcodes: string[]
  reason: string
  /** HTTP status: 400 for sender faults, 500 for receiver faults (SOAP 1.2 HTTP binding). */
  status: number
}

export function faultEnvelope (fault: SoapFault): string {
  let subcode = ''
  for (const value of [...fault.subcodes].reverse()) {
    subcode = `<env:Subcode><env:Value>${escapeXml(value)}</env:Value>${subcode}</env:Subcode>`
  }
  return envelope(
    `<env:Fault><env:Code><env:Value>${fault.code}</env:Value>${subcode}</env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${escapeXml(fault.reason)}</env:Text></env:Reason></env:Fault>`
  )
}

export const faults = {
  notAuthorized: (): SoapFault => ({ code: 'env:Sender', subcodes: ['ter:NotAuthorized'], reason: 'Sender not Authorized', status: 400 }),
  actionNotSupported: (what: string): SoapFault => ({ code: 'env:Receiver', subcodes: ['ter:ActionNotSupported'], reason: `Optional Action Not Implemented: ${what}`, status: 500 }),
  wellFormed: (why: string): SoapFault => ({ code: 'env:Sender', subcodes: ['ter:WellFormed'], reason: `Well-formed Error: ${why}`, status: 400 }),
  invalidArg: (subcode: string, reason: string): SoapFault => ({ code: 'env:Sender', subcodes: ['ter:InvalidArgVal', subcode], reason, status: 400 }),
  action: (subcode: string, reason: string): SoapFault => ({ code: 'env:Receiver', subcodes: ['ter:Action', subcode], reason, status: 500 })
}

/** A PTZ vector as tt:PanTilt + tt:Zoom elements. */
export function ptzVector (p: { x: number, y: number, zoom: number }, spaces: { panTilt: string, zoom: string }): string {
  return `<tt:PanTilt x="${p.x}" y="${p.y}" space="${spaces.panTilt}"/><tt:Zoom x="${p.zoom}" space="${spaces.zoom}"/>`
}

export const SPACES = {
  position: {
    panTilt: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace',
    zoom: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace'
  },
  velocity: {
    panTilt: 'http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace',
    zoom: 'http://www.onvif.org/ver10/tptz/ZoomSpaces/VelocityGenericSpace'
  }
}
