// The `helserom` command line (DESIGN.md, "Command line and configuration"): one executable,
// one module per command, loaded only when that command runs.
import { VERSION } from '../gateway/version.js'

interface Command {
  summary: string
  usage: string
  run: (args: string[]) => Promise<number | undefined>
}

const commands: Record<string, Command> = {
  demo: {
    summary: 'a hub and the three pilot rooms with simulated devices, on this machine (what `npm start` runs)',
    usage: 'helserom demo [--data DIR] [--hub-http PORT] [--hub-mqtt PORT] [--node-red]',
    run: async (args) => await (await import('./demo.js')).runDemo(args)
  },
  hub: {
    summary: 'the hub: broker, ingest, store, API and dashboards',
    usage: 'helserom hub --config hub.yaml',
    run: async (args) => await (await import('./hub.js')).runHub(args)
  },
  gateway: {
    summary: 'one room\'s gateway',
    usage: 'helserom gateway --config room.yaml',
    run: async (args) => await (await import('./gateway.js')).runGateway(args)
  },
  'check-config': {
    summary: 'validates a hub or room config; exit 1 listing every problem as FILE:LINE path: message',
    usage: 'helserom check-config FILE [FILE …]',
    run: async (args) => await (await import('./check-config.js')).runCheckConfig(args)
  },
  'hash-password': {
    summary: 'hashes a gateway password or a user token for the hub config (reads it from stdin, or makes a new one)',
    usage: 'helserom hash-password [--generate]',
    run: async (args) => await (await import('./hash-password.js')).runHashPassword(args)
  },
  'mosquitto-acl': {
    summary: 'external broker: Mosquitto\'s acl_file from hub.yaml, with the password_file and mosquitto.conf lines to go with it',
    usage: 'helserom mosquitto-acl --config hub.yaml [--out FILE] [--password-file FILE]',
    run: async (args) => await (await import('./mosquitto-acl.js')).runMosquittoAcl(args)
  },
  simulate: {
    summary: 'runs one device simulator standalone, for testing a real gateway',
    usage: 'helserom simulate KIND [options]   (KIND: onvif-camera, serial-sensor, hololens, video-stream, host)',
    run: async (args) => await (await import('./simulate.js')).runSimulate(args)
  },
  discover: {
    summary: 'lists ONVIF cameras (WS-Discovery) and serial ports found from this machine',
    usage: 'helserom discover [--timeout MS]',
    run: async (args) => await (await import('./discover.js')).runDiscover(args)
  },
  'fleet-sim': {
    summary: 'load generator: N virtual gateways speaking the wire contract to a hub',
    usage: 'helserom fleet-sim --rooms N --hub URL [--duration S]',
    run: async (args) => await (await import('./fleet-sim.js')).runFleetSim(args)
  },
  bench: {
    summary: 'runs the benchmarks in bench/ and prints their figures',
    usage: 'helserom bench [NAME …]   (from a checkout: npm run bench)',
    // The benchmarks are a development tool (they start servers through the test helpers): not
    // compiled into the image, so tsc must not follow this import.
    run: async (args) => {
      const benchmarks = '../bench/run.js'
      return await ((await import(benchmarks)) as { runBenchmarks: (a: string[]) => Promise<number> }).runBenchmarks(args)
    }
  }
}

function help (): void {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  console.log(`helserom ${VERSION} — edge gateway and hub for helserom rooms\n\nUsage: helserom COMMAND [options]\n`)
  for (const [name, c] of Object.entries(commands)) console.log(`  ${name.padEnd(width)}  ${c.summary}`)
  console.log('\nRun `helserom COMMAND --help` for a command\'s options.')
}

async function main (argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') { help(); return 0 }
  if (name === '--version' || name === '-v') { console.log(VERSION); return 0 }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (command === undefined) {
    console.error(`helserom: unknown command "${name}"\n`)
    help()
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`${command.summary}\n\nUsage: ${command.usage}`)
    return 0
  }
  return (await command.run(args)) ?? 0
}

main(process.argv.slice(2)).then((code) => {
  // Long-running commands (hub, gateway, demo) return only when stopped.
  process.exitCode = code
}, (err: unknown) => {
  console.error(`helserom: ${err instanceof Error ? err.message : String(err)}`)
  process.exitCode = 1
})
