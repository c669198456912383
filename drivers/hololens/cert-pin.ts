// Certificate pinning for a device that serves HTTPS with its own self-signed certificate (every
// HoloLens does): IT writes the certificate's SHA-256 fingerprint in the room config, and the driver
// trusts exactly that certificate and nothing else. Two spellings are accepted because IT will copy
// from two places: `sha256/<base64>` (the pin form of OkHttp/HPKP; we match it against the hash of
// the whole certificate or of its public key, so a pin survives a renewal that keeps the key) and the
// hex SHA-256 of the DER certificate, as `openssl x509 -fingerprint -sha256` and browsers print it.
import { createHash } from 'node:crypto'

/** What a room config's `certFingerprint` may look like. */
export const CERT_PIN_PATTERN = '^(?:(?:sha256|SHA256)/[A-Za-z0-9+/_-]{43}=?|(?:(?:sha256|SHA256)/)?(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2})$'

export interface CertPin {
  /** The 32 bytes of the SHA-256 the pin names. */
  readonly sha256: Buffer
}

/** The fingerprints of a certificate a device presented, in the forms IT can paste into a config. */
export interface SeenCertificate {
  /** `sha256/<base64>` of the DER certificate: what our refusal messages suggest pinning. */
  pin: string
  /** `AA:BB:…`, as browsers and openssl show it. */
  sha256Hex: string
  /** `sha256/<base64>` of the public key (SPKI), when the TLS stack gave it. */
  spkiPin: string | null
  subject: string
  validTo: string | null
}

/** Parses a configured fingerprint; null when it is neither spelling. */
export function parseCertPin (text: string): CertPin | null {
  let rest = text.trim()
  if (/^sha256\//i.test(rest)) rest = rest.slice('sha256/'.length)
  const hex = rest.replace(/[:\s]/g, '')
  if (/^[0-9A-Fa-f]{64}$/.test(hex)) return { sha256: Buffer.from(hex, 'hex') }
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(rest)) {
    const bytes = Buffer.from(rest.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
    if (bytes.length === 32) return { sha256: bytes }
  }
  return null
}

/** The parts of a Node peer certificate this module reads (tls.PeerCertificate fits). */
export interface PeerCertificateLike {
  raw?: Buffer
  pubkey?: Buffer
  subject?: Record<string, string | string[] | undefined> | null
  valid_to?: string
}

export function describeCertificate (cert: PeerCertificateLike): SeenCertificate | null {
  if (cert.raw === undefined || cert.raw.length === 0) return null
  const der = sha256(cert.raw)
  const cn = cert.subject?.CN
  return {
    pin: `sha256/${der.toString('base64')}`,
    sha256Hex: colonHex(der),
    spkiPin: cert.pubkey !== undefined && cert.pubkey.length > 0 ? `sha256/${sha256(cert.pubkey).toString('base64')}` : null,
    subject: Array.isArray(cn) ? cn.join(',') : (cn ?? ''),
    validTo: cert.valid_to ?? null
  }
}

/** True when the certificate is the pinned one (by its DER or its public key). */
export function pinMatches (pin: CertPin, cert: PeerCertificateLike): boolean {
  if (cert.raw !== undefined && sha256(cert.raw).equals(pin.sha256)) return true
  return cert.pubkey !== undefined && cert.pubkey.length > 0 && sha256(cert.pubkey).equals(pin.sha256)
}

/** `sha256/<base64>` of a DER certificate (what a simulator or test hands to the driver). */
export function pinOfDer (der: Buffer): string {
  return `sha256/${sha256(der).toString('base64')}`
}

function sha256 (data: Buffer): Buffer {
  return createHash('sha256').update(data).digest()
}

function colonHex (bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:')
}
