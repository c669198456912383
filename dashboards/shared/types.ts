// The shapes the pages read, taken from the hub's and the wire contract's own schemas (type-only
// imports: esbuild erases them, nothing of the server is bundled), so a change of the API breaks the
// typecheck of the pages rather than the pages in a browser. Routes still being built elsewhere
// (incidents, history) are typed loosely here and read defensively.
import type { Static } from '@sinclair/typebox'
import type { RoomView as RoomViewSchema, DeviceView as DeviceViewSchema, LastReadingView } from '../../cloud/room-view.js'
import type { CheckReport, Consultation, NetworkMessage, ReadingsMessage, ReadinessMessage, Reason } from '../../protocol/messages.js'

export type RoomView = RoomViewSchema
export type DeviceView = Static<typeof DeviceViewSchema>
export type LastReading = Static<typeof LastReadingView>
export type { CheckReport, Consultation, NetworkMessage, ReadingsMessage, ReadinessMessage, Reason }

/** Hub /ws messages (cloud/http/live-socket.ts). */
export type HubMessage =
  | { type: 'hello', user: { name: string, role: string } }
  | { type: 'snapshot', rooms: RoomView[] }
  | { type: 'room', room: string, part: string, device?: string, state: RoomView }
  | { type: 'reading', room: string, device: string, reading: ReadingsMessage }
  | { type: 'error', error: { code: string, message: string } }
  | { type: 'pong' }
  | { type: 'incident', incident?: unknown }

/** An incident as GET /api/incidents gives it (cloud/incidents/incident.ts). */
export type { Incident } from '../../cloud/incidents/incident.js'

export interface HistoryPoint { ts: number, value: number | string | boolean | null }
export interface HistorySeries { metric?: string, tags: Record<string, string>, points: HistoryPoint[] }
