// The line protocols a serial sensor can speak, and the parser and defaults of each, in one map
// (as MQTT.js keeps its transports), so that adding a protocol is one entry here plus its parser.
import { createKvLineParser, type KvFieldMap } from './kv-line.js'
import type { LineParser } from './line-result.js'
import { parseMasimoLine } from './masimo-ascii.js'
import { parseNoninLine } from './nonin-ascii.js'

export const SERIAL_PROTOCOLS = ['masimo-ascii', 'nonin-ascii', 'kv-line'] as const
export type SerialProtocol = typeof SERIAL_PROTOCOLS[number]

interface ProtocolSpec {
  /** How often the device sends a line: Masimo Rad-8 and Nonin both once a second. */
  expectedIntervalMs: number
  parser: (fieldMap: KvFieldMap | undefined) => LineParser
}

export const PROTOCOLS: Record<SerialProtocol, ProtocolSpec> = {
  'masimo-ascii': { expectedIntervalMs: 1000, parser: () => parseMasimoLine },
  'nonin-ascii': { expectedIntervalMs: 1000, parser: () => parseNoninLine },
  'kv-line': {
    expectedIntervalMs: 1000,
    parser: (fieldMap) => {
      if (fieldMap === undefined || Object.keys(fieldMap).length === 0) throw new Error('protocol kv-line needs a fieldMap naming at least one key')
      return createKvLineParser(fieldMap)
    }
  }
}
