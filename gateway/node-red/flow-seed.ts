// The flows a room starts from: the flow files its config names (e.g. flows/examples/*.json),
// merged into Node-RED's flow file in the user dir. The config keeps that file up to date until
// someone deploys from the editor; from then on their flows win, and a changed config no longer
// replaces them (delete the flow file to start again from the config's files).
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export type SeedOutcome =
  | 'none' // no files named and none written before: Node-RED's flow file is left alone
  | 'written' // the flow file now holds the config's files
  | 'unchanged' // it already did
  | 'kept-edited' // someone deployed from the editor since: their flows are kept

interface FlowNode { id: string, [key: string]: unknown }

/** Reads flow files and joins them; a node in several files (a shared config node) is kept once. */
export function mergeFlowFiles (files: readonly string[]): FlowNode[] {
  const merged: FlowNode[] = []
  const from = new Map<string, { file: string, json: string }>()
  for (const file of files) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'))
    } catch (err) {
      throw new Error(`flow file ${file}: ${(err as Error).message}`)
    }
    if (!Array.isArray(parsed)) throw new Error(`flow file ${file}: expected an array of nodes (a Node-RED export)`)
    for (const [i, node] of parsed.entries()) {
      if (typeof node !== 'object' || node === null || typeof (node as FlowNode).id !== 'string') {
        throw new Error(`flow file ${file}: item ${i} is not a node with an id`)
      }
      const json = JSON.stringify(node)
      const earlier = from.get((node as FlowNode).id)
      if (earlier === undefined) {
        from.set((node as FlowNode).id, { file, json })
        merged.push(node as FlowNode)
      } else if (earlier.json !== json) {
        throw new Error(`flow file ${file}: node ${(node as FlowNode).id} differs from the node with the same id in ${earlier.file}`)
      }
    }
  }
  return merged
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

interface SeedRecord { files: string[], sha256: string }

function readRecord (file: string): SeedRecord | null {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<SeedRecord>
    return typeof record.sha256 === 'string' ? { files: record.files ?? [], sha256: record.sha256 } : null
  } catch {
    return null
  }
}

/** Node-RED writes `[]` when it starts without flows: nothing anybody made. */
function isEmptyFlows (text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text)
    return Array.isArray(parsed) && parsed.length === 0
  } catch {
    return false
  }
}

function writeAtomically (file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text)
  renameSync(`${file}.tmp`, file)
}

/** Brings `flowFile` in line with `files` unless someone has deployed since we last wrote it. */
export function seedFlows (options: { userDir: string, flowFile: string, files: readonly string[] }): SeedOutcome {
  const flowFile = join(options.userDir, options.flowFile)
  const recordFile = join(options.userDir, '.helserom-flows.json')
  const record = readRecord(recordFile)
  if (options.files.length === 0 && record === null) return 'none'
  // Node-RED writes its flow file with four-space indentation (flowFilePretty); so do we.
  const wanted = JSON.stringify(mergeFlowFiles(options.files), null, 4)
  const current = existsSync(flowFile) ? readFileSync(flowFile, 'utf8') : null
  const remember = (): void => writeAtomically(recordFile, JSON.stringify({ files: options.files, sha256: sha256(wanted) }, null, 2))
  if (current !== null && sha256(current) === sha256(wanted)) {
    remember()
    return 'unchanged'
  }
  const ours = current === null || isEmptyFlows(current) || record?.sha256 === sha256(current)
  if (!ours) return 'kept-edited'
  writeAtomically(flowFile, wanted)
  remember()
  return 'written'
}
