// `helserom simulate KIND [options]`: one device simulator on its own, so a real gateway (or a
// person with a tool) can be tested against it. Prints where it listens and the device entry to
// paste into a room config, then runs until Ctrl-C.
import { stringify } from 'yaml'
import type { RunningSimulator } from '../drivers/contract.js'
import { parseOptions, untilStopped } from './options.js'

type Starter = (args: string[]) => Promise<RunningSimulator>

const port = (value: string | undefined, fallback: number): number => value === undefined ? fallback : Number(value)

const simulators: Record<string, { usage: string, start: Starter }> = {
  'serial-sensor': {
    usage: '--tty PATH [--device-path PATH] | --tcp-port N   [--protocol masimo-ascii|nonin-ascii|kv-line] [--scenario normal|probe-off|noisy|pause] [--host ADDR]',
    start: async (args) => {
      const { values } = parseOptions(args, { tty: { type: 'string' }, 'device-path': { type: 'string' }, 'tcp-port': { type: 'string' }, protocol: { type: 'string' }, scenario: { type: 'string' }, host: { type: 'string' } })
      const { startSerialSensorSimulator } = await import('../drivers/serial-sensor/index.js')
      return await startSerialSensorSimulator({
        ...(values.tty !== undefined ? { ttyPath: values.tty, devicePath: values['device-path'] } : { tcpPort: port(values['tcp-port'], 4001), host: values.host ?? '127.0.0.1' }),
        protocol: (values.protocol ?? 'masimo-ascii') as never,
        scenario: (values.scenario ?? 'normal') as never
      })
    }
  },
  'onvif-camera': {
    usage: '[--port N] [--host ADDR] [--username U --password P] [--discovery]',
    start: async (args) => {
      const { values } = parseOptions(args, { port: { type: 'string' }, host: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, discovery: { type: 'boolean' } })
      const { startOnvifCameraSimulator } = await import('../drivers/onvif-camera/simulator.js')
      return await startOnvifCameraSimulator({ port: port(values.port, 8000), host: values.host ?? '127.0.0.1', username: values.username, password: values.password, discovery: values.discovery ?? false })
    }
  },
  hololens: {
    usage: '[--port N] [--host ADDR] [--battery PCT]',
    start: async (args) => {
      const { values } = parseOptions(args, { port: { type: 'string' }, host: { type: 'string' }, battery: { type: 'string' } })
      const { startHoloLensSimulator } = await import('../drivers/hololens/simulator.js')
      return await startHoloLensSimulator({ port: port(values.port, 8443), host: values.host ?? '127.0.0.1', ...(values.battery !== undefined ? { batteryPct: Number(values.battery) } : {}) })
    }
  },
  'video-stream': {
    usage: '[--rtsp-port N] [--http-port N] [--host ADDR] [--stream rtsp|mjpeg|bytes|hls] [--kbps N]',
    start: async (args) => {
      const { values } = parseOptions(args, { 'rtsp-port': { type: 'string' }, 'http-port': { type: 'string' }, host: { type: 'string' }, stream: { type: 'string' }, kbps: { type: 'string' } })
      const { startVideoStreamSimulator } = await import('../drivers/video-stream/simulator.js')
      return await startVideoStreamSimulator({
        rtspPort: port(values['rtsp-port'], 8554), httpPort: port(values['http-port'], 8090), host: values.host ?? '127.0.0.1',
        stream: (values.stream ?? 'rtsp') as never, ...(values.kbps !== undefined ? { kbps: Number(values.kbps) } : {})
      })
    }
  },
  host: {
    usage: '[--dir PATH] [--platform raspberry-pi|nuc] [--temperature C]',
    start: async (args) => {
      const { values } = parseOptions(args, { dir: { type: 'string' }, platform: { type: 'string' }, temperature: { type: 'string' } })
      const { startHostSimulator } = await import('../drivers/host/simulator.js')
      return await startHostSimulator({ dir: values.dir, ...(values.platform !== undefined ? { platform: values.platform as never } : {}), ...(values.temperature !== undefined ? { temperatureC: Number(values.temperature) } : {}) })
    }
  }
}

export async function runSimulate (args: string[]): Promise<number> {
  const [kind, ...rest] = args
  const simulator = kind !== undefined && Object.hasOwn(simulators, kind) ? simulators[kind] : undefined
  if (simulator === undefined) {
    console.error(`helserom simulate: name a device kind:\n${Object.entries(simulators).map(([k, s]) => `  ${k} ${s.usage}`).join('\n')}`)
    return 2
  }
  const running = await simulator.start(rest)
  console.log(`Simulated ${kind} at ${running.address}\n\nDevice entry for a room config:\n`)
  console.log(stringify([{ id: `${kind}-1`, name: kind, kind, ...running.deviceConfig }]))
  console.log('Ctrl-C stops it.')
  await untilStopped()
  await running.stop()
  return 0
}
