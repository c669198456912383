// The simulated pan/tilt/zoom mechanics: where the camera points and how it moves there, at a
// finite speed, in the ONVIF generic spaces (pan and tilt −1…1, zoom 0…1). The position is worked
// out from the clock when asked, so the simulator runs no timers of its own.

export interface PtzPosition {
  x: number
  y: number
  zoom: number
}

export interface PtzVelocity {
  x: number
  y: number
  zoom: number
}

type Motion =
  | { kind: 'still', at: PtzPosition }
  | { kind: 'absolute', from: PtzPosition, to: PtzPosition, startedAt: number, durationMs: number }
  | { kind: 'continuous', from: PtzPosition, velocity: PtzVelocity, startedAt: number, untilAt: number }

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v))

export function clampPosition (p: PtzPosition): PtzPosition {
  return { x: clamp(p.x, -1, 1), y: clamp(p.y, -1, 1), zoom: clamp(p.zoom, 0, 1) }
}

export class PtzMechanics {
  private motion: Motion

  /** @param unitsPerSecond how fast each axis moves (a full pan, −1 → 1, is 2 units). */
  constructor (private readonly now: () => number, private readonly unitsPerSecond: number, home: PtzPosition) {
    this.motion = { kind: 'still', at: clampPosition(home) }
  }

  position (): PtzPosition {
    const m = this.motion
    const t = this.now()
    switch (m.kind) {
      case 'still':
        return { ...m.at }
      case 'absolute': {
        const f = m.durationMs <= 0 ? 1 : clamp((t - m.startedAt) / m.durationMs, 0, 1)
        return {
          x: m.from.x + (m.to.x - m.from.x) * f,
          y: m.from.y + (m.to.y - m.from.y) * f,
          zoom: m.from.zoom + (m.to.zoom - m.from.zoom) * f
        }
      }
      case 'continuous': {
        const seconds = (Math.min(t, m.untilAt) - m.startedAt) / 1000
        const k = this.unitsPerSecond * seconds
        return clampPosition({ x: m.from.x + m.velocity.x * k, y: m.from.y + m.velocity.y * k, zoom: m.from.zoom + m.velocity.zoom * k })
      }
    }
  }

  moving (): boolean {
    const m = this.motion
    const t = this.now()
    if (m.kind === 'absolute') return t < m.startedAt + m.durationMs
    if (m.kind === 'continuous') {
      if (t >= m.untilAt) return false
      // A continuous move that has run into the end stops on every axis it drives.
      const p = this.position()
      const stuck = (v: number, at: number, lo: number, hi: number): boolean => v === 0 || (v > 0 && at >= hi) || (v < 0 && at <= lo)
      return !(stuck(m.velocity.x, p.x, -1, 1) && stuck(m.velocity.y, p.y, -1, 1) && stuck(m.velocity.zoom, p.zoom, 0, 1))
    }
    return false
  }

  moveTo (target: PtzPosition): void {
    const from = this.position()
    const to = clampPosition(target)
    const distance = Math.max(Math.abs(to.x - from.x), Math.abs(to.y - from.y), Math.abs(to.zoom - from.zoom))
    this.motion = { kind: 'absolute', from, to, startedAt: this.now(), durationMs: (distance / this.unitsPerSecond) * 1000 }
  }

  /** Moves at a velocity (−1…1 per axis) until stopped or until `timeoutMs` has passed. */
  moveContinuously (velocity: PtzVelocity, timeoutMs?: number): void {
    const v = { x: clamp(velocity.x, -1, 1), y: clamp(velocity.y, -1, 1), zoom: clamp(velocity.zoom, -1, 1) }
    const startedAt = this.now()
    this.motion = { kind: 'continuous', from: this.position(), velocity: v, startedAt, untilAt: timeoutMs === undefined ? Infinity : startedAt + timeoutMs }
  }

  stop (): void {
    this.motion = { kind: 'still', at: this.position() }
  }

  /** Puts the head somewhere at once, as the mechanics do at power-on. */
  place (at: PtzPosition): void {
    this.motion = { kind: 'still', at: clampPosition(at) }
  }
}
