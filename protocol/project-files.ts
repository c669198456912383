// Files that ship beside the code (package.json, the web pages, simulator certificates), found
// from the project root, so the same lookup works from the TypeScript sources (tsx) and from the
// compiled `dist/` of the container image, whose modules sit one folder deeper.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let root: string | null = null

/** The folder holding our package.json. */
export function projectRoot (): string {
  if (root !== null) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'helserom-edge') {
      root = dir
      return dir
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error('cannot find the helserom-edge package root')
    dir = parent
  }
}

/** A path inside the project, e.g. `projectFile('dashboards', 'light', 'light.html')`. */
export function projectFile (...parts: string[]): string {
  return join(projectRoot(), ...parts)
}

/** The package version every status message and /healthz reports. */
export const VERSION: string = (JSON.parse(readFileSync(projectFile('package.json'), 'utf8')) as { version: string }).version
