// What one health probe found, turned into a health state and a reason. Pure: the stages'
// outcomes go in, the verdict comes out. States say how up the camera is, as EdgeX's do:
// up (authenticated calls work), up without auth (it answers, but not to our credentials),
// reachable (the port is open but ONVIF does not work), unreachable.
import type { HealthState, Reason } from '../../protocol/messages.js'
import type { OnvifCallError } from './onvif-client.js'
import type { TcpOutcome, UnauthenticatedOutcome } from './reachability.js'
import type { CameraReasons } from './reasons.js'

export type Reachability = 'up' | 'up-without-auth' | 'reachable' | 'unreachable'

export interface ProbeFacts {
  unauthenticated: UnauthenticatedOutcome
  /** The authenticated stage; absent when the camera did not answer without auth either. */
  authenticated?: { ok: true } | { ok: false, error: OnvifCallError | { kind: 'no-profile', detail: string } }
  /** The TCP stage; run only when nothing answered on HTTP. */
  tcp?: TcpOutcome
}

export interface Verdict {
  reachability: Reachability
  /** Which stage decided. */
  stage: 'authenticated' | 'unauthenticated' | 'tcp'
  /** Null when the camera is up: then the checks on top (presets, snapshot, clock) decide. */
  down: { state: HealthState, reason: Reason } | null
}

export function judgeProbe (facts: ProbeFacts, reasons: CameraReasons): Verdict {
  const auth = facts.authenticated
  if (auth?.ok === true) return { reachability: 'up', stage: 'authenticated', down: null }
  if (auth !== undefined && !auth.ok) {
    const down = (reason: Reason, reachability: Reachability = 'up-without-auth'): Verdict => ({ reachability, stage: 'authenticated', down: { state: 'down', reason } })
    switch (auth.error.kind) {
      case 'auth': return down(reasons.credentialsRejected())
      case 'timeout': return down(reasons.notResponding(), 'reachable')
      case 'network': return down(reasons.unreachable(), 'unreachable')
      case 'bad-reply': return down(reasons.badReply())
      case 'no-profile': return down(reasons.noProfile(), 'up')
      case 'closed': return down(reasons.driverError())
      case 'fault': return down(reasons.cameraError(auth.error.detail))
    }
  }
  const u = facts.unauthenticated
  switch (u.kind) {
    case 'not-onvif': return { reachability: 'reachable', stage: 'unauthenticated', down: { state: 'down', reason: reasons.notOnvif() } }
    case 'bad-reply': return { reachability: 'reachable', stage: 'unauthenticated', down: { state: 'down', reason: reasons.badReply() } }
    case 'onvif': return { reachability: 'up-without-auth', stage: 'unauthenticated', down: { state: 'down', reason: reasons.driverError() } }
    case 'timeout':
    case 'network':
      if (facts.tcp === 'open') return { reachability: 'reachable', stage: 'tcp', down: { state: 'down', reason: reasons.notResponding() } }
      return { reachability: 'unreachable', stage: 'tcp', down: { state: 'down', reason: reasons.unreachable() } }
  }
}
