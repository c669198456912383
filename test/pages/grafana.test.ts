// The Grafana dashboards query only measurements and fields the hub writes (cloud/store/points.ts),
// through the provisioned InfluxQL data source.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { Measurements } from '../../cloud/store/telemetry-store.js'
import { projectFile } from '../../protocol/project-files.js'

const FIELDS: Record<string, string[]> = {
  [Measurements.network]: ['rttMs', 'jitterMs', 'lossPct', 'upMbps', 'downMbps', 'ifaceUtilPct'],
  [Measurements.deviceHealth]: ['state', 'stateCode'],
  [Measurements.readiness]: ['level', 'levelCode', 'reasons'],
  [Measurements.gatewayStatus]: ['online'],
  [Measurements.check]: ['passed', 'failedSteps']
}

const source = parse(readFileSync(projectFile('dashboards', 'grafana', 'provisioning', 'datasources', 'helserom-influxdb.yaml'), 'utf8')) as { datasources: Array<{ uid: string, type: string }> }
t.equal(source.datasources[0]?.type, 'influxdb')
const uid = source.datasources[0]?.uid

for (const file of ['fleet-health.json', 'room-network.json']) {
  t.test(file, async (t) => {
    const dash = JSON.parse(readFileSync(projectFile('dashboards', 'grafana', 'dashboards', file), 'utf8')) as { uid: string, panels: Array<{ title: string, datasource: { uid: string }, targets: Array<{ query: string }> }> }
    t.ok(dash.uid.startsWith('helserom-'))
    for (const panel of dash.panels) {
      t.equal(panel.datasource.uid, uid, `${panel.title}: the provisioned data source`)
      for (const target of panel.targets) {
        const measurements = [...target.query.matchAll(/FROM "([a-z_]+)"/g)].map((m) => m[1]!)
        t.ok(measurements.length > 0, `${panel.title}: names a measurement`)
        for (const m of measurements) {
          t.ok(m in FIELDS, `${panel.title}: ${m} is a measurement the hub writes`)
          const inner = /FROM \(SELECT ([^)]*)\)/.exec(target.query)?.[1] ?? target.query
          for (const [, field] of inner.matchAll(/\b(?:last|mean|max|min|sum|count)\("([A-Za-z]+)"\)/g)) {
            if (field === 'last') continue // the subquery's column
            t.ok(Object.values(FIELDS).flat().includes(field!), `${panel.title}: field ${field!}`)
          }
        }
      }
    }
  })
}
