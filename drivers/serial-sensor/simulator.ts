// A simulated serial sensor (Masimo Rad-8/Radical-7, Nonin, or a generic key=value device) that
// writes real-format lines at the device's rate to a tty or to TCP clients, for tests, the demo and
// `helserom simulate serial-sensor`. Scenarios switch at run time: normal, probe-off, noisy, pause
// (silent, port still open) and unplug (port closed; plug() brings it back).
import type { RunningSimulator } from '../contract.js'
import type { SerialProtocol } from './protocols.js'
import { garbageLine, seededRandom, sensorLine, SIMULATED_KV_FIELD_MAP, VitalsWalk } from './simulator-lines.js'
import { TcpSink, TtySink, type LineSink } from './simulator-sinks.js'

export const SIMULATOR_SCENARIOS = ['normal', 'probe-off', 'noisy', 'pause', 'unplug'] as const
export type SimulatorScenario = typeof SIMULATOR_SCENARIOS[number]

export interface SerialSensorSimulatorOptions {
  protocol?: SerialProtocol
  /** Write to this tty: the simulator's end of a socat pty pair (or a real port). */
  ttyPath?: string
  /** The tty the driver should open (the pair's other end); goes into deviceConfig.path. */
  devicePath?: string
  /** Serve the stream over TCP on this port instead (0: any free port), like a serial device server. */
  tcpPort?: number
  /** TCP address to listen on; default 127.0.0.1. */
  host?: string
  /** One line every this many ms; default 1000 (Rad-8 and Nonin send once a second). */
  intervalMs?: number
  scenario?: SimulatorScenario
  /** Masimo only: the SN= the device prints. */
  serialNumber?: string
  /** Masimo only: a Radical-7 adds PVI=. */
  model?: 'rad-8' | 'radical-7'
  baudRate?: number
  /** Seed for the random walk and the noise, to repeat a run exactly. */
  seed?: number
}

export interface SerialSensorSimulator extends RunningSimulator {
  readonly scenario: SimulatorScenario
  setScenario: (scenario: SimulatorScenario) => Promise<void>
  /** Closes the port and every client connection, as pulling the cable does. */
  unplug: () => Promise<void>
  /** Opens it again and goes back to the scenario before the unplug. */
  plug: () => Promise<void>
  /** Writes `count` garbage lines as fast as the line takes them. */
  sendGarbage: (count: number) => Promise<void>
  /** Writes bytes as they are (no CR LF added), e.g. an overlong line. */
  writeRaw: (bytes: string | Buffer) => Promise<void>
  /** Sensor lines that reached an open port or at least one client. */
  readonly linesWritten: number
  readonly garbageWritten: number
  /** Lines produced while nobody could receive them. */
  readonly linesDropped: number
  readonly lastLine: string | null
}

const CRLF = '\r\n'

class SerialSensorSimulatorRunner implements SerialSensorSimulator {
  scenario: SimulatorScenario
  linesWritten = 0
  garbageWritten = 0
  linesDropped = 0
  lastLine: string | null = null
  private beforeUnplug: SimulatorScenario = 'normal'
  private timer: NodeJS.Timeout | null = null
  private readonly random: () => number
  private readonly walk: VitalsWalk
  private readonly protocol: SerialProtocol
  private readonly intervalMs: number

  constructor (private readonly options: SerialSensorSimulatorOptions, private readonly sink: LineSink, private readonly tcp: TcpSink | null) {
    this.protocol = options.protocol ?? 'masimo-ascii'
    this.intervalMs = options.intervalMs ?? 1000
    this.scenario = options.scenario ?? 'normal'
    this.random = seededRandom(options.seed ?? 1)
    this.walk = new VitalsWalk(this.random)
  }

  get address (): string {
    return this.tcp !== null ? `tcp://${this.options.host ?? '127.0.0.1'}:${this.tcp.boundPort}` : this.options.devicePath ?? this.options.ttyPath ?? ''
  }

  get deviceConfig (): Record<string, unknown> {
    const path = this.tcp !== null ? this.address : this.options.devicePath ?? this.options.ttyPath
    return {
      path,
      baudRate: this.options.baudRate ?? 9600,
      protocol: this.protocol,
      ...(this.intervalMs !== 1000 ? { expectedIntervalMs: this.intervalMs } : {}),
      ...(this.protocol === 'kv-line' ? { fieldMap: structuredClone(SIMULATED_KV_FIELD_MAP) } : {})
    }
  }

  async start (): Promise<void> {
    if (this.scenario !== 'unplug') await this.sink.plug()
    this.timer = setInterval(() => this.tick(), this.intervalMs)
  }

  async stop (): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    await this.sink.close()
  }

  async setScenario (scenario: SimulatorScenario): Promise<void> {
    if (!SIMULATOR_SCENARIOS.includes(scenario)) throw new Error(`unknown scenario "${String(scenario)}" (one of ${SIMULATOR_SCENARIOS.join(', ')})`)
    if (scenario === 'unplug' && this.scenario !== 'unplug') {
      this.beforeUnplug = this.scenario
      this.scenario = 'unplug'
      await this.sink.unplug()
      return
    }
    if (scenario !== 'unplug' && this.scenario === 'unplug') await this.sink.plug()
    this.scenario = scenario
  }

  async unplug (): Promise<void> {
    await this.setScenario('unplug')
  }

  async plug (): Promise<void> {
    await this.setScenario(this.scenario === 'unplug' ? this.beforeUnplug : this.scenario)
  }

  async sendGarbage (count: number): Promise<void> {
    const good = this.currentLine()
    for (let sent = 0; sent < count;) {
      const batch: string[] = []
      for (; batch.length < 200 && sent < count; sent++) batch.push(garbageLine(this.random, good) + CRLF)
      if (this.sink.write(Buffer.from(batch.join(''), 'latin1'))) this.garbageWritten += batch.length
      await this.sink.drained()
    }
  }

  async writeRaw (bytes: string | Buffer): Promise<void> {
    this.sink.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes)
    await this.sink.drained()
  }

  private currentLine (): string {
    const vitals = this.scenario === 'probe-off' ? null : this.walk.now()
    return sensorLine(this.protocol, { time: new Date(), serial: this.options.serialNumber ?? '0000070001', model: this.options.model ?? 'rad-8', vitals })
  }

  private tick (): void {
    this.walk.step()
    if (this.scenario === 'pause' || this.scenario === 'unplug') return
    const line = this.currentLine()
    const lines = [line]
    // A noisy cable: now and then one or two broken lines around the good ones.
    if (this.scenario === 'noisy') {
      const extra = Math.floor(this.random() * 3)
      for (let i = 0; i < extra; i++) lines.splice(Math.floor(this.random() * (lines.length + 1)), 0, garbageLine(this.random, line))
    }
    if (this.sink.write(Buffer.from(lines.map((l) => l + CRLF).join(''), 'latin1'))) {
      this.linesWritten++
      this.garbageWritten += lines.length - 1
      this.lastLine = line
    } else {
      this.linesDropped++
    }
  }
}

export async function startSerialSensorSimulator (options: SerialSensorSimulatorOptions = {}): Promise<SerialSensorSimulator> {
  if ((options.ttyPath === undefined) === (options.tcpPort === undefined)) {
    throw new Error('serial-sensor simulator: give either ttyPath (a tty to write to) or tcpPort (to serve over TCP)')
  }
  const tcp = options.tcpPort !== undefined ? new TcpSink(options.host ?? '127.0.0.1', options.tcpPort) : null
  const sink = tcp ?? new TtySink(options.ttyPath ?? '', options.baudRate ?? 9600)
  const simulator = new SerialSensorSimulatorRunner(options, sink, tcp)
  await simulator.start()
  return simulator
}
