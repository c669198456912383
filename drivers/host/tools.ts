// Finding and running the small system tools the host driver asks (vcgencmd, timedatectl, chronyc):
// looked up in a configured list of folders, so a simulator's fake tools can stand in for them; run
// with a time limit and without a shell; a missing or failing tool gives null, never an exception.
import { execFile } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'

export interface ToolFinder {
  find: (program: string) => string | null
}

/** Folders from `binPath` (`:`-separated), or PATH plus where Raspberry Pi OS keeps vcgencmd. */
export function toolFinder (binPath: string | undefined): ToolFinder {
  const folders = binPath !== undefined
    ? binPath.split(':').filter((f) => f !== '')
    : [...(process.env.PATH ?? '').split(':').filter((f) => f !== ''), '/usr/bin', '/bin', '/opt/vc/bin']
  return {
    find: (program) => {
      for (const folder of folders) {
        const candidate = join(folder, program)
        try {
          accessSync(candidate, constants.X_OK)
          return candidate
        } catch {}
      }
      return null
    }
  }
}

/** The tool's stdout when it exits 0 within `timeoutMs`; otherwise null. */
export async function runTool (path: string, args: string[], timeoutMs: number): Promise<string | null> {
  return await new Promise((resolve) => {
    execFile(path, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout) => {
      resolve(err === null ? stdout : null)
    })
  })
}
