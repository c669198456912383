// The hololens device family: a HoloLens 2 watched through the Windows Device Portal REST API.
// The gateway's registry takes `holoLensDriver`; tests, the demo and `helserom simulate hololens`
// take the simulator from ./simulator.js.
import type { BaseDeviceConfig, DriverFactory } from '../contract.js'
import { HOLOLENS_DEFAULTS, HoloLensConfig, type HoloLensDeviceConfig } from './config.js'
import { HoloLensDriver, STREAM_WINDOW_MS, holoLensCommands } from './driver.js'

export const holoLensDriver = {
  kind: 'hololens',
  label: { nb: 'HoloLens 2 (Device Portal)', en: 'HoloLens 2 (Device Portal)' },
  configSchema: HoloLensConfig,
  commands: holoLensCommands,
  // Three default polls plus a timeout and a stream check: silence beyond this is not a slow poll.
  defaultStaleAfterMs: 60_000,
  // A poll waits at most for three rounds of requests and the stream check (timeout + its window).
  staleAfterMs: (config: Partial<HoloLensDeviceConfig>) => {
    const pollIntervalMs = config.pollIntervalMs ?? HOLOLENS_DEFAULTS.pollIntervalMs
    const timeoutMs = config.timeoutMs ?? HOLOLENS_DEFAULTS.timeoutMs
    return 3 * pollIntervalMs + 4 * timeoutMs + STREAM_WINDOW_MS
  },
  // Any entry: the driver checks it itself and reports a bad one as a reason, never a throw.
  create: (config: BaseDeviceConfig & Record<string, unknown>) => new HoloLensDriver(config)
} satisfies DriverFactory

export { HoloLensDriver, holoLensCommands, STREAM_WINDOW_MS, type SelfTestResult } from './driver.js'
export { HoloLensConfig, HOLOLENS_DEFAULTS, resolveConfig, type HoloLensDeviceConfig } from './config.js'
export { DevicePortalClient, DevicePortalError, DevicePortalPaths, type DevicePortalClientOptions, type StreamSample } from './device-portal-client.js'
export { DEFAULT_THRESHOLDS, assessObservation, assessFailure } from './assess.js'
export { hololensReasons } from './reasons.js'
export { parseCertPin, pinOfDer, CERT_PIN_PATTERN } from './cert-pin.js'
