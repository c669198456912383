// The serial-sensor fields of a device entry in a room config, as a TypeBox schema (the schema is
// the documentation), and the config with its defaults filled in, which the driver works from.
import { Type, type Static } from '@sinclair/typebox'
import type { BaseDeviceConfig } from '../contract.js'
import type { KvFieldMap } from './kv-line.js'
import { PROTOCOLS, SERIAL_PROTOCOLS, type SerialProtocol } from './protocols.js'
import { parseTcpUrl } from './tcp-link.js'

const KvFieldSpec = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,39}$', description: 'the value name in readings, e.g. spo2' }),
  unit: Type.String({ minLength: 1, maxLength: 20, description: 'e.g. %, /min, °C' }),
  min: Type.Optional(Type.Number({ description: 'below this a value is flagged implausible' })),
  max: Type.Optional(Type.Number({ description: 'above this a value is flagged implausible' }))
}, { additionalProperties: false })

export const SerialSensorConfig = Type.Object({
  path: Type.String({
    pattern: '^(/\\S+|tcp://(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5})$',
    maxLength: 300,
    description: 'a tty such as /dev/ttyUSB0 (better: its /dev/serial/by-id/… name), or tcp://host:port of a serial device server (e.g. a Moxa NPort in TCP server mode)'
  }),
  baudRate: Type.Optional(Type.Integer({ minimum: 50, maximum: 4_000_000, default: 9600 })),
  dataBits: Type.Optional(Type.Union([Type.Literal(5), Type.Literal(6), Type.Literal(7), Type.Literal(8)], { default: 8 })),
  parity: Type.Optional(Type.Union(['none', 'even', 'odd', 'mark', 'space'].map((p) => Type.Literal(p)), { default: 'none' })),
  stopBits: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(1.5), Type.Literal(2)], { default: 1 })),
  protocol: Type.Union(SERIAL_PROTOCOLS.map((p) => Type.Literal(p)), { description: 'the line format the device sends' }),
  fieldMap: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' }), KvFieldSpec, {
    additionalProperties: false,
    description: 'kv-line only: key in the line → { name, unit, min?, max? }'
  })),
  expectedIntervalMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, description: 'how often the device sends a line (default 1000); silence for 3× this means down' }))
}, { additionalProperties: false })
export type SerialSensorConfig = Static<typeof SerialSensorConfig>

export type SerialSensorDeviceConfig = SerialSensorConfig & BaseDeviceConfig

export type Parity = 'none' | 'even' | 'odd' | 'mark' | 'space'

export interface ResolvedSerialSensorConfig {
  id: string
  name: string
  path: string
  transport: 'tty' | 'tcp'
  baudRate: number
  dataBits: 5 | 6 | 7 | 8
  parity: Parity
  stopBits: 1 | 1.5 | 2
  protocol: SerialProtocol
  fieldMap: KvFieldMap | undefined
  expectedIntervalMs: number
}

/** Fills in defaults and checks what the schema cannot say (kv-line needs a fieldMap). Throws with the device named. */
export function resolveConfig (config: SerialSensorDeviceConfig): ResolvedSerialSensorConfig {
  const protocol = PROTOCOLS[config.protocol] === undefined ? undefined : config.protocol
  if (protocol === undefined) throw new Error(`device ${config.id}: unknown serial protocol "${String(config.protocol)}" (one of ${SERIAL_PROTOCOLS.join(', ')})`)
  if (protocol === 'kv-line' && (config.fieldMap === undefined || Object.keys(config.fieldMap).length === 0)) {
    throw new Error(`device ${config.id}: protocol kv-line needs a fieldMap naming at least one key`)
  }
  const transport = config.path.startsWith('tcp://') ? 'tcp' : 'tty'
  if (transport === 'tcp') {
    try {
      parseTcpUrl(config.path)
    } catch {
      throw new Error(`device ${config.id}: "${config.path}" is not a tcp://host:port address (port 1–65535)`)
    }
  }
  return {
    id: config.id,
    name: config.name,
    path: config.path,
    transport,
    baudRate: config.baudRate ?? 9600,
    dataBits: config.dataBits ?? 8,
    parity: (config.parity ?? 'none') as Parity,
    stopBits: config.stopBits ?? 1,
    protocol,
    fieldMap: config.fieldMap,
    expectedIntervalMs: config.expectedIntervalMs ?? PROTOCOLS[protocol].expectedIntervalMs
  }
}
