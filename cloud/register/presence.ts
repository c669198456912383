// The specialist's side of the "before the appointment" check. The consultation console
// (dashboards/consult) subscribes to its room on /ws as the room's console (`console: true`), and
// the live socket reports it opening and closing (cloud/http/live-socket.ts ConsoleReport). Only
// that counts: a fleet page subscribed to every room is not a specialist waiting in any of them.
// SpecialistPresence counts open consoles per room; presenceState turns them, the consultation and
// the clock into what the light shows. Only the role ever leaves this module: the light says
// "Spesialisten er klar", never who.
//
//   the console is open, from windowMs before the start to the end     ready
//   the consultation has started and no specialist has been there
//   since windowMs before the start                                    absent
//   otherwise                                                          nothing
// Which specialist: any specialist who may see the room (the schedule does not name one — a
// consultation's specialist would be personal data in a retained message).
import type { ConsultationRef } from '../incidents/incident.js'

const MIN = 60_000

export interface ConsoleReportLike {
  role: string
  room: string
  /** The console opened (true) or closed. */
  open: boolean
}

export class SpecialistPresence {
  private readonly open = new Map<string, number>()
  private readonly lastSeen = new Map<string, number>()

  constructor (private readonly clock: () => number = Date.now) {}

  /** A console opened or closed; returns true when the room's presence changed. */
  report (v: ConsoleReportLike): boolean {
    if (v.role !== 'specialist') return false
    const before = this.present(v.room)
    const n = (this.open.get(v.room) ?? 0) + (v.open ? 1 : -1)
    if (n > 0) this.open.set(v.room, n)
    else this.open.delete(v.room)
    this.lastSeen.set(v.room, this.clock())
    return before !== this.present(v.room)
  }

  present (room: string): boolean {
    return (this.open.get(room) ?? 0) > 0
  }

  /** A specialist had the console open at some moment since `t`. */
  seenSince (room: string, t: number): boolean {
    return this.present(room) || (this.lastSeen.get(room) ?? -Infinity) >= t
  }
}

export function presenceState (c: ConsultationRef | null, now: number, windowMinutes: number, present: boolean, seenSince: (t: number) => boolean): 'ready' | 'absent' | null {
  if (c === null) return null
  const from = c.start - windowMinutes * MIN
  if (now < from || now >= c.start + c.minutes * MIN) return null
  if (present) return 'ready'
  if (now >= c.start && !seenSince(from)) return 'absent'
  return null
}
