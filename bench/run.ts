// `npm run bench [-- NAME …]`: runs the benchmarks (all, or the ones named), prints each as a table
// of our figure beside its peer's measured in the same run with the ratio, and writes
// bench/results/NAME.json plus bench/results/summary.md. The whole set is sized to finish in under
// 15 minutes on a 2-core machine; the machine is printed first, because figures from another
// machine are not comparable — ratios measured in one run are.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseOptions } from '../cli/options.js'
import { describeMachine, machineLine } from './lib/machine.js'
import { formatTable, resultsDir, writeResult, type BenchResult } from './lib/report.js'

interface Benchmark {
  summary: string
  run: (options: { log: (line: string) => void, args: Record<string, string | boolean | undefined> }) => Promise<BenchResult>
}

const list = (value: unknown): number[] | undefined => typeof value === 'string' ? value.split(',').map(Number) : undefined

const benchmarks: Record<string, Benchmark> = {
  'hub-capacity': {
    summary: 'N virtual gateways → hub (embedded aedes vs Mosquitto): msg/s, CPU, RSS, p50/p99 to a WebSocket, loss',
    run: async ({ log, args }) => await (await import('./hub-capacity.js')).hubCapacity({ log, rooms: list(args.rooms) })
  },
  'fleet-login': {
    summary: 'a fleet logging in to a freshly started hub with default-cost passwords, beside Mosquitto',
    run: async ({ log }) => await (await import('./fleet-login.js')).fleetLogin({ log })
  },
  'sensor-to-browser': {
    summary: 'a serial line on a pty → value at a hub WebSocket client, beside mosquitto_pub → mosquitto_sub',
    run: async ({ log }) => await (await import('./sensor-to-browser.js')).sensorToBrowser({ log })
  },
  'gateway-footprint': {
    summary: 'RSS and CPU of a gateway with six simulated devices, beside an empty Node-RED',
    run: async ({ log }) => await (await import('./gateway-footprint.js')).gatewayFootprint({ log })
  },
  'spool-replay': {
    summary: 'uplink cut for a minute under load: readings lost, backlog replayed per second vs the live rate',
    run: async ({ log }) => await (await import('./spool-replay.js')).spoolReplay({ log })
  },
  'store-ingest': {
    summary: 'points/s into InfluxDB through the hub\'s batching, beside bulk writes; InfluxDB stopped for a minute',
    run: async ({ log }) => await (await import('./store-ingest.js')).storeIngest({ log })
  },
  detection: {
    summary: 'device silent → readiness red at the hub; gateway dying → the hub knowing (aedes vs Mosquitto)',
    run: async ({ log }) => await (await import('./detection.js')).detection({ log })
  }
}

function help (): void {
  console.log('Usage: npm run bench [-- NAME …] [--rooms 250,500]\n')
  for (const [name, b] of Object.entries(benchmarks)) console.log(`  ${name.padEnd(18)} ${b.summary}`)
}

export async function runBenchmarks (args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, { rooms: { type: 'string' }, list: { type: 'boolean' } }, true)
  if (values.list === true) { help(); return 0 }
  const unknown = positionals.filter((p) => !Object.hasOwn(benchmarks, p))
  if (unknown.length > 0) {
    console.error(`unknown benchmark: ${unknown.join(', ')}\n`)
    help()
    return 2
  }
  const names = positionals.length > 0 ? positionals : Object.keys(benchmarks)
  const machine = describeMachine()
  console.log(`helserom benchmarks on ${machineLine(machine)}\n`)
  const started = Date.now()
  const results: BenchResult[] = []
  let failed = 0
  for (const name of names) {
    const t0 = Date.now()
    console.log(`▶ ${name}: ${benchmarks[name]!.summary}`)
    try {
      const result = await benchmarks[name]!.run({ log: (line) => console.log(line), args: values })
      result.seconds = (Date.now() - t0) / 1000
      results.push(result)
      console.log(`\n${formatTable(result)}\n`)
      console.log(`  → ${writeResult(result, machine)}\n`)
    } catch (err) {
      failed++
      console.error(`✗ ${name} failed after ${Math.round((Date.now() - t0) / 1000)} s: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    }
  }
  const minutes = (Date.now() - started) / 60_000
  console.log(`${results.length} benchmark(s) in ${minutes.toFixed(1)} min${failed > 0 ? `, ${failed} failed` : ''}`)
  if (positionals.length === 0 && results.length > 0) {
    const summary = [
      `# helserom benchmarks, ${new Date().toISOString().slice(0, 10)}`,
      '',
      `Machine: ${machineLine(machine)}. All ${results.length} benchmarks in ${minutes.toFixed(1)} min.`,
      '',
      ...results.map((r) => '```\n' + formatTable(r) + '\n```\n')
    ].join('\n')
    writeFileSync(join(resultsDir(), 'summary.md'), summary)
  }
  return failed > 0 ? 1 : 0
}
