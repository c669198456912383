// A tolerant reader of the SDP (RFC 4566) a camera answers RTSP DESCRIBE with: the media sections,
// and for each its codec (from `a=rtpmap`, or the static payload types of RFC 3551 when there is
// none), declared bandwidth, frame rate, size and the H.264 parameter sets. Pure; never throws.

export interface SdpMedia {
  /** `video`, `audio`, `application` … */
  type: string
  port: number
  protocol: string
  formats: string[]
  /** Encoding name of the first format, upper-case as in the rtpmap (`H264`, `H265`, `JPEG`, `MPEG4-GENERIC`). */
  codec: string | null
  clockRate: number | null
  /** `b=AS:` in kbit/s (RFC 4566 §5.8). */
  declaredKbps: number | null
  framerate: number | null
  /** From `a=framesize:` / `a=x-dimensions:` when the camera gives it. */
  width: number | null
  height: number | null
  /** The fmtp parameters of the first format (`profile-level-id`, `sprop-parameter-sets` …). */
  fmtp: Record<string, string>
  control: string | null
}

export interface SdpSession {
  version: number | null
  name: string | null
  media: SdpMedia[]
}

/** RFC 3551 table 4 and 5: payload types that need no rtpmap. */
const staticPayloadTypes: Record<string, { codec: string, clockRate: number }> = {
  0: { codec: 'PCMU', clockRate: 8000 },
  3: { codec: 'GSM', clockRate: 8000 },
  4: { codec: 'G723', clockRate: 8000 },
  8: { codec: 'PCMA', clockRate: 8000 },
  9: { codec: 'G722', clockRate: 8000 },
  10: { codec: 'L16', clockRate: 44100 },
  11: { codec: 'L16', clockRate: 44100 },
  14: { codec: 'MPA', clockRate: 90000 },
  26: { codec: 'JPEG', clockRate: 90000 },
  31: { codec: 'H261', clockRate: 90000 },
  32: { codec: 'MPV', clockRate: 90000 },
  33: { codec: 'MP2T', clockRate: 90000 },
  34: { codec: 'H263', clockRate: 90000 }
}

/** Parses an SDP description; lines that do not fit are skipped. Returns null when it is not SDP at all. */
export function parseSdp (text: string): SdpSession | null {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^[a-z]=/.test(l))
  if (lines.length === 0 || !lines.some((l) => l.startsWith('v=') || l.startsWith('m='))) return null
  const session: SdpSession = { version: null, name: null, media: [] }
  const rtpmaps: Array<Map<string, { codec: string, clockRate: number | null }>> = []
  const fmtps: Array<Map<string, Record<string, string>>> = []
  let current: SdpMedia | null = null

  for (const line of lines) {
    const type = line[0]
    const value = line.slice(2)
    if (type === 'v' && current === null) session.version = toNumber(value)
    else if (type === 's' && current === null) session.name = value
    else if (type === 'm') {
      const [media = '', port = '', protocol = '', ...formats] = value.split(/\s+/)
      current = {
        type: media.toLowerCase(), port: toNumber(port.split('/')[0] ?? '') ?? 0, protocol, formats,
        codec: null, clockRate: null, declaredKbps: null, framerate: null, width: null, height: null, fmtp: {}, control: null
      }
      session.media.push(current)
      rtpmaps.push(new Map())
      fmtps.push(new Map())
    } else if (type === 'b' && current !== null) {
      const m = /^AS:(\d+(?:\.\d+)?)$/i.exec(value)
      if (m !== null) current.declaredKbps = Number(m[1])
    } else if (type === 'a' && current !== null) {
      readAttribute(current, value, rtpmaps.at(-1), fmtps.at(-1))
    }
  }

  session.media.forEach((media, i) => {
    const first = media.formats[0]
    if (first === undefined) return
    const mapped = rtpmaps[i]?.get(first) ?? staticPayloadTypes[first]
    if (mapped !== undefined) {
      media.codec = mapped.codec.toUpperCase()
      media.clockRate = mapped.clockRate
    }
    media.fmtp = fmtps[i]?.get(first) ?? {}
  })
  return session
}

function readAttribute (media: SdpMedia, value: string, rtpmap: Map<string, { codec: string, clockRate: number | null }> | undefined, fmtp: Map<string, Record<string, string>> | undefined): void {
  const colon = value.indexOf(':')
  const name = (colon < 0 ? value : value.slice(0, colon)).toLowerCase()
  const arg = colon < 0 ? '' : value.slice(colon + 1).trim()
  if (name === 'rtpmap') {
    const m = /^(\S+)\s+([^/\s]+)(?:\/(\d+))?/.exec(arg)
    if (m?.[1] !== undefined && m[2] !== undefined) rtpmap?.set(m[1], { codec: m[2], clockRate: toNumber(m[3] ?? '') })
  } else if (name === 'fmtp') {
    const m = /^(\S+)\s+(.*)$/.exec(arg)
    if (m?.[1] !== undefined) fmtp?.set(m[1], parseFmtp(m[2] ?? ''))
  } else if (name === 'framerate') {
    media.framerate = toNumber(arg)
  } else if (name === 'framesize') {
    const m = /^\S+\s+(\d+)-(\d+)/.exec(arg) // a=framesize:96 1920-1080
    if (m !== null) { media.width = Number(m[1]); media.height = Number(m[2]) }
  } else if (name === 'x-dimensions') {
    const m = /^(\d+),(\d+)/.exec(arg) // a=x-dimensions:1920,1080
    if (m !== null) { media.width = Number(m[1]); media.height = Number(m[2]) }
  } else if (name === 'control') {
    media.control = arg
  }
}

function parseFmtp (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of text.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim()
  }
  return out
}

function toNumber (s: string): number | null {
  if (s.trim() === '') return null
  const n = Number(s)
  return Number.isFinite(n) ? n : null
}

/** The first video section, which is what the specialist sees. */
export function videoMedia (session: SdpSession): SdpMedia | null {
  return session.media.find((m) => m.type === 'video') ?? null
}
