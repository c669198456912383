// Builds a process entry under bench/processes/ into one JavaScript file with esbuild (our code
// bundled, packages left to node_modules), so measured processes run compiled code as in production
// rather than through tsx. The bundle sits in bench/.build/, two folders below the project root
// like the sources, so that paths a module computes from its own URL still resolve.
import { basename } from 'node:path'
import { mkdirSync, writeFileSync } from 'node:fs'
import { build } from 'esbuild'
import { projectFile } from '../../protocol/project-files.js'

const built = new Map<string, Promise<string>>()

export async function bundle (entry: string): Promise<string> {
  let result = built.get(entry)
  if (result === undefined) {
    result = (async () => {
      const outDir = projectFile('bench', '.build')
      mkdirSync(outDir, { recursive: true })
      writeFileSync(projectFile('bench', '.build', '.gitignore'), '*\n')
      const outfile = projectFile('bench', '.build', basename(entry).replace(/\.ts$/, '.mjs'))
      await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        sourcemap: false,
        logLevel: 'error'
      })
      return outfile
    })()
    built.set(entry, result)
  }
  return await result
}
