'use strict'
// When a consultation starts and ends, from the readiness messages' `session` (the consultation
// running now, else the next one) and a clock. The gateway republishes readiness only when it
// changes, and nothing changes at the minute a consultation starts, so the readiness node asks
// this again every second. Pure: the time is an argument.

const endOf = (session) => session.start + session.minutes * 60_000

class ConsultationWatch {
  constructor () {
    /** The session the latest readiness names. */
    this.latest = null
    /** The session a 'start' was told for and no 'end' yet. */
    this.running = null
    /** Told ended: not started again if readiness still names it for a moment. */
    this.lastEnded = null
  }

  /** A new readiness message's session; returns the events it causes. */
  update (session, now) {
    this.latest = session || null
    return this.tick(now)
  }

  /** Returns [{ event: 'start'|'end', session }] for what happened since the last call. */
  tick (now) {
    const events = []
    if (this.running !== null) {
      const same = this.latest !== null && this.latest.id === this.running.id ? this.latest : null
      if (same !== null) this.running = same // a consultation moved or lengthened ends when it now ends
      // Over by the clock, or no longer the room's session (cancelled, or the schedule changed).
      if (same === null || now >= endOf(this.running)) {
        events.push({ event: 'end', session: this.running })
        this.lastEnded = this.running.id
        this.running = null
      }
    }
    const next = this.latest
    if (this.running === null && next !== null && next.id !== this.lastEnded && next.start <= now && now < endOf(next)) {
      this.running = next
      events.push({ event: 'start', session: next })
    }
    return events
  }
}

/** Minutes until a session starts, one decimal; negative while it runs. */
function minutesUntil (session, now) {
  return Math.round((session.start - now) / 6000) / 10
}

module.exports = { ConsultationWatch, minutesUntil, endOf }
