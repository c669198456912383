// `helserom check-config FILE …`: validates hub and room configs (which one is told from the
// content), printing every problem as FILE:LINE path: message. Exit 1 when any file has one.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { loadRoomConfig } from '../gateway/config.js'
import { loadHubConfig, looksLikeHubConfig } from '../cloud/config.js'

function kindOf (file: string): 'hub' | 'room' {
  try {
    return looksLikeHubConfig(parse(readFileSync(file, 'utf8'))) ? 'hub' : 'room'
  } catch {
    return 'room' // unreadable or not YAML: the loader says exactly why
  }
}

export async function runCheckConfig (files: string[]): Promise<number> {
  if (files.length === 0) {
    console.error('helserom check-config: name at least one config file')
    return 2
  }
  let failed = 0
  for (const file of files) {
    const kind = kindOf(file)
    const result = kind === 'hub' ? loadHubConfig(file) : loadRoomConfig(file)
    if (result.ok) {
      const what = kind === 'hub'
        ? `hub config, ${(result.value as { gateways: unknown[] }).gateways.length} gateway(s)`
        : `room config for ${(result.value as { room: string }).room}, ${(result.value as { devices: unknown[] }).devices.length} device(s)`
      console.log(`${file}: OK (${what})`)
    } else {
      failed++
      for (const problem of result.problems) console.error(problem.toString())
    }
  }
  return failed === 0 ? 0 : 1
}
