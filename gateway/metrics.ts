// Prometheus metrics of one gateway, on its own registry (the demo runs several gateways in
// one process). Gauges are read from the live objects when scraped, so they cannot drift.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { Gateway } from './gateway.js'

const levelValue = { green: 0, amber: 1, red: 2 } as const
const states = ['ok', 'degraded', 'down', 'unknown'] as const

export class GatewayMetrics {
  readonly registry = new Registry()
  readonly readings: Counter<'device'>
  readonly invalidDriverOutput: Counter<'kind'>
  readonly lostRecords: Counter<'kind'>

  constructor (gateway: Gateway, options: { processMetrics?: boolean } = {}) {
    const r = this.registry
    r.setDefaultLabels({ room: gateway.room })
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: r, prefix: 'helserom_gateway_' })
    this.readings = new Counter({ name: 'helserom_gateway_readings_total', help: 'Readings accepted from drivers', labelNames: ['device'], registers: [r] })
    this.invalidDriverOutput = new Counter({ name: 'helserom_gateway_invalid_driver_output_total', help: 'Driver messages dropped for breaking the wire contract', labelNames: ['kind'], registers: [r] })
    this.lostRecords = new Counter({ name: 'helserom_gateway_lost_records_total', help: 'Readings and health neither stored (the disk refused) nor sent (the hub was unreachable)', labelNames: ['kind'], registers: [r] })
    new Gauge({ name: 'helserom_gateway_spool_write_failures', help: 'Spool writes (and opens) the disk refused', labelNames: ['kind'], registers: [r], collect () {
      this.reset()
      for (const [kind, n] of gateway.spoolGuard.failures) this.set({ kind }, n)
    } })
    new Gauge({ name: 'helserom_gateway_spool_failing', help: '1 while the disk refuses the spool\'s writes', registers: [r], collect () { this.set(gateway.spoolGuard.fault !== null ? 1 : 0) } })
    new Gauge({ name: 'helserom_gateway_uplink_connected', help: '1 while the MQTT uplink to the hub is up', registers: [r], collect () { this.set(gateway.uplinkConnected ? 1 : 0) } })
    new Gauge({ name: 'helserom_gateway_spool_pending_records', help: 'Records on disk not yet confirmed by the hub', registers: [r], collect () { this.set(gateway.spool.pending) } })
    new Gauge({ name: 'helserom_gateway_spool_bytes', help: 'Bytes of spool segments on disk', registers: [r], collect () { this.set(gateway.spool.bytes) } })
    new Gauge({ name: 'helserom_gateway_spool_dropped_records', help: 'Undelivered records dropped because the spool bound was hit (since the spool was created)', registers: [r], collect () { this.set(gateway.spool.dropped) } })
    new Gauge({ name: 'helserom_gateway_forwarded_records', help: 'Records sent to the hub by the spool forwarder', labelNames: ['historical'], registers: [r], collect () {
      this.set({ historical: 'false' }, gateway.forwarder.sent - gateway.forwarder.sentHistorical)
      this.set({ historical: 'true' }, gateway.forwarder.sentHistorical)
    } })
    new Gauge({ name: 'helserom_gateway_readiness_level', help: 'Readiness shown: 0 green, 1 amber, 2 red', registers: [r], collect () { if (gateway.readiness !== null) this.set(levelValue[gateway.readiness.level]) } })
    new Gauge({ name: 'helserom_gateway_device_state', help: '1 for the state each device is in', labelNames: ['device', 'kind', 'state'], registers: [r], collect () {
      this.reset()
      for (const d of gateway.devices()) for (const s of states) this.set({ device: d.id, kind: d.kind, state: s }, d.state === s ? 1 : 0)
    } })
    new Gauge({ name: 'helserom_gateway_driver_restarts', help: 'Driver restarts after a failure', labelNames: ['device'], registers: [r], collect () {
      for (const d of gateway.devices()) this.set({ device: d.id }, d.restarts)
    } })
    new Gauge({ name: 'helserom_gateway_rejected_messages', help: 'Incoming MQTT messages rejected by the wire validator', labelNames: ['reason'], registers: [r], collect () {
      this.reset()
      for (const [key, n] of gateway.validator.rejected) this.set({ reason: key }, n)
    } })
    new Gauge({ name: 'helserom_gateway_local_mqtt_clients', help: 'Clients on the room\'s local broker', registers: [r], collect () { this.set(gateway.localBroker.clients) } })
    new Gauge({ name: 'helserom_gateway_local_mqtt_denied', help: 'Local broker logins, publishes and subscriptions refused', registers: [r], collect () { this.set(gateway.localBroker.denied) } })
  }
}
