// The whole tree type-checks under the strict tsconfig: tests run through tsx, which strips types
// without checking them, so without this a type error could land unnoticed.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { projectFile } from '../protocol/project-files.js'

t.test('tsc --noEmit finds no type error', async (t) => {
  const tsc = projectFile('node_modules', 'typescript', 'bin', 'tsc')
  const result = spawnSync(process.execPath, [tsc, '--noEmit', '-p', projectFile('tsconfig.json')], { encoding: 'utf8', cwd: projectFile() })
  t.equal(result.status, 0, result.stdout.split('\n').slice(0, 30).join('\n'))
})
