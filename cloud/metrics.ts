// The hub's Prometheus metrics, in a registry of its own (so that two hubs in one process, as in
// tests, never share counters). /metrics is served without a token: it carries no personal data —
// readings are counted per fleet, never per room, so the metrics cannot tell when a room holds a
// consultation. Per-room reading statistics are in /api/rooms/:room, behind a token.
import { Counter, Gauge, Registry } from 'prom-client'

export class HubMetrics {
  readonly registry = new Registry()

  /** Accepted messages by kind. */
  readonly messages = new Counter({
    name: 'helserom_hub_messages_total',
    help: 'MQTT messages accepted by the ingest, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry]
  })

  /** Rejected messages by kind and cause (topic, too-large, json, schema, unknown-room). */
  readonly rejected = new Counter({
    name: 'helserom_hub_messages_rejected_total',
    help: 'MQTT messages rejected by the ingest, by kind and cause',
    labelNames: ['kind', 'cause'] as const,
    registers: [this.registry]
  })

  readonly readingsDuplicate = new Counter({
    name: 'helserom_hub_readings_duplicate_total',
    help: 'readings dropped because (room, device, boot, seq) was already received',
    registers: [this.registry]
  })

  readonly readingsLost = new Counter({
    name: 'helserom_hub_readings_lost_total',
    help: 'readings missing from a (room, device, boot) sequence when a later one arrived',
    registers: [this.registry]
  })

  readonly readingsRecovered = new Counter({
    name: 'helserom_hub_readings_recovered_total',
    help: 'readings that arrived after they had been counted as lost (out of order, e.g. replayed from a spool)',
    registers: [this.registry]
  })

  /** Denied connects, publishes, subscribes and HTTP/WebSocket requests. */
  readonly authDenied = new Counter({
    name: 'helserom_hub_auth_denied_total',
    help: 'requests refused by authentication or authorization, by surface, action and reason',
    labelNames: ['surface', 'action', 'reason'] as const,
    registers: [this.registry]
  })

  readonly mqttClients = new Gauge({
    name: 'helserom_hub_mqtt_clients',
    help: 'MQTT clients connected to the embedded broker',
    registers: [this.registry]
  })

  readonly mqttOversized = new Counter({
    name: 'helserom_hub_mqtt_oversized_packets_total',
    help: 'MQTT connections closed because a packet exceeded mqtt.maxPacketBytes',
    registers: [this.registry]
  })

  readonly wsClients = new Gauge({
    name: 'helserom_hub_ws_clients',
    help: 'WebSocket clients connected to /ws',
    registers: [this.registry]
  })

  readonly wsDropped = new Counter({
    name: 'helserom_hub_ws_dropped_total',
    help: 'WebSocket messages skipped (downsampled) or clients closed because they did not keep up, by what',
    labelNames: ['what'] as const,
    registers: [this.registry]
  })

  readonly httpErrors = new Counter({
    name: 'helserom_hub_http_errors_total',
    help: 'HTTP requests answered with an error, by status code',
    labelNames: ['status'] as const,
    registers: [this.registry]
  })

  readonly storeWriteErrors = new Counter({
    name: 'helserom_hub_store_write_errors_total',
    help: 'points the ingest could not hand to the telemetry store',
    registers: [this.registry]
  })

  /** Set from outside (the fleet state) on every scrape. */
  readonly roomsOnline = new Gauge({
    name: 'helserom_hub_rooms_online',
    help: 'rooms whose gateway is online',
    registers: [this.registry]
  })

  readonly roomsConfigured = new Gauge({
    name: 'helserom_hub_rooms_configured',
    help: 'rooms in the hub config',
    registers: [this.registry]
  })

  readonly brokerConnected = new Gauge({
    name: 'helserom_hub_broker_connected',
    help: '1 when the hub is connected to its MQTT broker (always 1 when embedded and running)',
    registers: [this.registry]
  })

  /** Hooks run before each scrape, to refresh gauges computed from state. */
  private readonly beforeScrape: Array<() => void> = []

  onScrape (fn: () => void): void {
    this.beforeScrape.push(fn)
  }

  async text (): Promise<string> {
    for (const fn of this.beforeScrape) fn()
    return await this.registry.metrics()
  }

  get contentType (): string {
    return this.registry.contentType
  }

  /** The current value of a counter or gauge (summed over labels matching `labels`); for tests and /healthz. */
  async value (name: string, labels: Record<string, string> = {}): Promise<number> {
    const metric = this.registry.getSingleMetric(name)
    if (metric === undefined) return 0
    const data = await metric.get()
    let sum = 0
    for (const v of data.values) {
      if (Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want)) sum += v.value
    }
    return sum
  }
}
