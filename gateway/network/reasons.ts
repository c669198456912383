// The sentences the network monitor adds to readiness, Norwegian bokmål first, English second:
// a link heading for trouble (before it fails), a probe service that does not answer, and a hub
// that refuses the gateway's credentials for its probe endpoints.
import type { Reason } from '../../protocol/messages.js'

export type TrendMetric = 'rtt' | 'jitter' | 'loss' | 'bandwidth-up' | 'bandwidth-down'

function minutes (ms: number): number {
  return Math.max(1, Math.round(ms / 60_000))
}

const trendText: Record<TrendMetric, (m: number) => { nb: string, en: string }> = {
  rtt: (m) => ({
    nb: `Nettverket blir tregere — kan bli for tregt til video om ca. ${m} min`,
    en: `The network is getting slower — it may be too slow for video in about ${m} min`
  }),
  jitter: (m) => ({
    nb: `Nettverket blir mer ustabilt — video kan begynne å hakke om ca. ${m} min`,
    en: `The network is getting less stable — video may start to stutter in about ${m} min`
  }),
  loss: (m) => ({
    nb: `Nettverket mister stadig mer data — video kan falle ut om ca. ${m} min`,
    en: `The network is losing more and more data — video may drop out in about ${m} min`
  }),
  'bandwidth-up': (m) => ({
    nb: `Båndbredden ut synker — kan bli for lav til video om ca. ${m} min`,
    en: `Upload bandwidth is falling — it may be too low for video in about ${m} min`
  }),
  'bandwidth-down': (m) => ({
    nb: `Båndbredden inn synker — kan bli for lav til video om ca. ${m} min`,
    en: `Download bandwidth is falling — it may be too low for video in about ${m} min`
  })
}

export const networkReasons = {
  trend: (metric: TrendMetric, msToThreshold: number): Reason => ({
    code: `network.trend-${metric}`,
    level: 'amber',
    message: trendText[metric](minutes(msToThreshold))
  }),

  probeUnanswered: (host: string, port: number): Reason => ({
    code: 'network.probe-unanswered',
    level: 'amber',
    message: {
      nb: `Får ikke svar fra sykehusets nettverksmåling (UDP ${host}:${port}) — nettverket kan ikke måles, kontakt IT`,
      en: `No answer from the hospital's network probe service (UDP ${host}:${port}) — the network cannot be measured; check that the hub's UDP echo runs and that the firewall lets UDP through`
    }
  }),

  hubRefused: (): Reason => ({
    code: 'network.hub-refused',
    level: 'amber',
    message: {
      nb: 'Sykehusets server godtar ikke innloggingen fra boksen, så båndbredden kan ikke måles — kontakt IT',
      en: 'The hub refused the gateway\'s credentials (401 from its /probe endpoints), so bandwidth cannot be measured — contact IT: check hub.username and hub.password in the room config'
    }
  })
}
