// A reader of HLS playlists (RFC 8216): a multivariant ("master") playlist lists the variants with
// their bandwidth, codecs and resolution; a media playlist lists the segments. Only what a health
// probe needs; pure; null when the text is not a playlist.

export interface HlsVariant {
  uri: string
  bandwidth: number | null
  codecs: string[]
  resolution: string | null
}

export interface HlsSegment {
  uri: string
  durationS: number
}

export type HlsPlaylist =
  | { kind: 'multivariant', variants: HlsVariant[] }
  | { kind: 'media', targetDurationS: number | null, mediaSequence: number, segments: HlsSegment[], ended: boolean }

export function parsePlaylist (text: string): HlsPlaylist | null {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim())
  if (lines[0] !== '#EXTM3U') return null // RFC 8216 §4.3.1.1: the first line, always
  if (lines.some((l) => l.startsWith('#EXT-X-STREAM-INF:'))) return { kind: 'multivariant', variants: readVariants(lines) }

  let targetDurationS: number | null = null
  let mediaSequence = 0
  let ended = false
  let pendingDuration: number | null = null
  const segments: HlsSegment[] = []
  for (const line of lines) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDurationS = toNumber(line.slice(22))
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = toNumber(line.slice(22)) ?? 0
    else if (line === '#EXT-X-ENDLIST') ended = true
    else if (line.startsWith('#EXTINF:')) pendingDuration = toNumber(line.slice(8).split(',')[0] ?? '')
    else if (line !== '' && !line.startsWith('#') && pendingDuration !== null) {
      segments.push({ uri: line, durationS: pendingDuration })
      pendingDuration = null
    }
  }
  return { kind: 'media', targetDurationS, mediaSequence, segments, ended }
}

function readVariants (lines: string[]): HlsVariant[] {
  const variants: HlsVariant[] = []
  let attributes: Record<string, string> | null = null
  for (const line of lines) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      attributes = parseAttributeList(line.slice(18))
    } else if (attributes !== null && line !== '' && !line.startsWith('#')) {
      variants.push({
        uri: line,
        bandwidth: toNumber(attributes.BANDWIDTH ?? ''),
        codecs: (attributes.CODECS ?? '').split(',').map((c) => c.trim()).filter((c) => c !== ''),
        resolution: attributes.RESOLUTION ?? null
      })
      attributes = null
    }
  }
  return variants
}

/** RFC 8216 §4.2: `NAME=value,NAME="quoted, with commas"`. */
export function parseAttributeList (text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of text.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) {
    const value = m[2] ?? ''
    out[m[1] ?? ''] = value.startsWith('"') ? value.slice(1, -1) : value
  }
  return out
}

/** The variant a health probe follows: the best one, since that is what HD consultations need. */
export function bestVariant (variants: readonly HlsVariant[]): HlsVariant | null {
  let best: HlsVariant | null = null
  for (const v of variants) if (best === null || (v.bandwidth ?? 0) > (best.bandwidth ?? 0)) best = v
  return best
}

/** Names a codec from an RFC 6381 codecs entry: `avc1.640028` → H264. */
export function codecName (rfc6381: string): { name: string, video: boolean } | null {
  const fourcc = rfc6381.split('.')[0]?.toLowerCase() ?? ''
  const video: Record<string, string> = { avc1: 'H264', avc3: 'H264', hvc1: 'H265', hev1: 'H265', vp09: 'VP9', av01: 'AV1' }
  const audio: Record<string, string> = { mp4a: 'AAC', 'ac-3': 'AC3', 'ec-3': 'EAC3', opus: 'OPUS' }
  if (video[fourcc] !== undefined) return { name: video[fourcc], video: true }
  if (audio[fourcc] !== undefined) return { name: audio[fourcc], video: false }
  return null
}

function toNumber (s: string): number | null {
  if (s.trim() === '') return null
  const n = Number(s)
  return Number.isFinite(n) ? n : null
}
