// What the room is doing now, as the network monitor and the pre-session check need it: the
// consultation running or coming next (the same one readiness is about), whether it runs, how long
// until it starts, and the profile whose thresholds apply. Pure: the schedule and clock are arguments.
import type { Consultation } from '../../protocol/messages.js'
import { defaultProfileId, type Profile, type RoomConfig } from '../config.js'
import { currentOrNextSession, isRunning } from '../readiness/session.js'

export interface SessionView {
  session: Consultation | null
  running: boolean
  /** ms until the session starts (≤ 0 while it runs), or null without one. */
  msToStart: number | null
  profileId: string
  profile: Profile | undefined
}

export function sessionView (config: Pick<RoomConfig, 'profiles' | 'defaultProfile' | 'readiness'>, schedule: readonly Consultation[], now: number): SessionView {
  const session = currentOrNextSession(schedule, now, config.readiness.lookaheadHours * 3_600_000)
  const wanted = session?.profile ?? defaultProfileId(config as RoomConfig)
  const profileId = Object.hasOwn(config.profiles, wanted) ? wanted : defaultProfileId(config as RoomConfig)
  return {
    session,
    running: isRunning(session, now),
    msToStart: session === null ? null : session.start - now,
    profileId,
    profile: Object.hasOwn(config.profiles, profileId) ? config.profiles[profileId] : undefined
  }
}
