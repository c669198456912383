// The readiness light page (dashboards/light/): a static page the gateway serves itself, so it
// works in the room when the hub is unreachable.
import { readFileSync } from 'node:fs'

let cached: string | null = null

export function lightPage (): string {
  cached ??= readFileSync(new URL('../../dashboards/light/light.html', import.meta.url), 'utf8')
  return cached
}
