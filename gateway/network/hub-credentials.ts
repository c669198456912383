// How the gateway identifies itself to the hub's HTTP probe endpoints (/probe/upload, /probe/download,
// /probe/time): with the credentials it logs in to the hub's broker with (hub.username, by default
// the room id, and hub.password), as HTTP Basic auth (RFC 7617), and the hub's private CA when the
// room config names one. Every /probe request the gateway makes takes its options from here.
import { readFileSync } from 'node:fs'
import type { RoomConfig } from '../config.js'

export interface HubProbeAuth {
  headers: Record<string, string>
  /** PEM of the CA that signed an https hub's certificate (`hub.ca`). */
  ca?: Buffer
}

/** The status the hub's probe endpoints answer when they refuse the gateway's credentials. */
export const HUB_REFUSED_STATUS = 401

export function hubProbeAuth (room: Pick<RoomConfig, 'room' | 'hub'>): HubProbeAuth {
  const username = room.hub.username ?? room.room
  const password = room.hub.password ?? ''
  const basic = Buffer.from(`${username}:${password}`, 'utf8').toString('base64')
  const ca = room.hub.ca !== undefined ? readCa(room.hub.ca) : undefined
  return { headers: { authorization: `Basic ${basic}` }, ...(ca !== undefined ? { ca } : {}) }
}

/** An unreadable CA file is the uplink's error to report (it cannot connect either); here the request then fails on the certificate. */
function readCa (path: string): Buffer | undefined {
  try {
    return readFileSync(path)
  } catch {
    return undefined
  }
}
