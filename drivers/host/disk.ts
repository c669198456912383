// Free space on the disk that holds a folder (the spool's), with fs.statfs. The folder may not exist
// yet (the gateway creates the spool on first write): then its nearest existing parent is measured,
// which is on the same disk in every layout we ship.
import { statfs } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

export interface DiskState {
  path: string
  totalMB: number
  freeMB: number
  freePct: number
}

export async function readDisk (folder: string): Promise<DiskState> {
  let path = resolve(folder)
  for (;;) {
    try {
      const s = await statfs(path)
      // bavail: what an unprivileged process may still use; the root reserve does not help us.
      const total = s.blocks * s.bsize
      const free = s.bavail * s.bsize
      return {
        path,
        totalMB: Math.round(total / 1048576),
        freeMB: Math.round(free / 1048576),
        freePct: total > 0 ? Math.round((free / total) * 1000) / 10 : 0
      }
    } catch (err) {
      const parent = dirname(path)
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) throw err
      path = parent
    }
  }
}
