// The readiness light page (dashboards/light/): a static page the gateway serves itself, so it
// works in the room when the hub is unreachable.
import { readFileSync } from 'node:fs'
import { projectFile } from '../../protocol/project-files.js'

let cached: string | null = null

export function lightPage (): string {
  cached ??= readFileSync(projectFile('dashboards', 'light', 'light.html'), 'utf8')
  return cached
}
