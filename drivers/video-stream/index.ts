// The video-stream device family: a Jodapro hands-free camera or any other stream source the
// gateway watches by its URL (rtsp, http MJPEG / byte stream / HLS, tcp). Jodapro has no public API
// we know of, so health is judged from the stream itself (and an optional JSON status endpoint).
import { Type } from '@sinclair/typebox'
import type { DriverFactory } from '../contract.js'
import { VideoStreamConfig, withDefaults } from './config.js'
import { VideoStreamDriver } from './driver.js'

export const videoStreamDriver = {
  kind: 'video-stream',
  label: { nb: 'Videokilde (Jodapro o.l.)', en: 'Video stream (Jodapro etc.)' },
  configSchema: VideoStreamConfig,
  commands: [{
    // The pre-session check's "the stream delivers its bitrate": RTSP is played and timed (the poll only describes it).
    name: 'stream.measure',
    args: Type.Object({ windowMs: Type.Optional(Type.Integer({ minimum: 200, maximum: 30_000, description: 'how long to time the stream, ms (default: measureWindowMs)' })) }, { additionalProperties: false }),
    label: { nb: 'Mål videokvaliteten', en: 'Measure the video bitrate' }
  }],
  // Three default polls (15 s) plus a probe's own timeout and window.
  defaultStaleAfterMs: 60_000,
  // Three polls, each waiting at most for a connect and an answer (two timeouts) and the measuring window.
  staleAfterMs: (config) => {
    const c = withDefaults(config)
    return 3 * c.pollIntervalMs + 2 * c.timeoutMs + c.measureWindowMs
  },
  // Takes any entry: the driver fills in defaults itself and reports a broken entry as health.
  create: (config: Record<string, unknown>) => new VideoStreamDriver(config)
} satisfies DriverFactory<typeof VideoStreamConfig>

export { VideoStreamConfig } from './config.js'
export { VideoStreamDriver } from './driver.js'
