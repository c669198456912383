// Optional parts of a gateway that a room config switches on (the network monitor, the
// pre-session check, embedded Node-RED …). Each one attaches to a running gateway through its
// public API (setNetwork, setCheck, addReasonSource, registerCommand, events) and is stopped
// before the gateway's own parts.
import type { Gateway } from './gateway.js'
import { networkMonitorExtension } from './network/extension.js'
import { preSessionCheckExtension } from './check/extension.js'
import { nodeRedExtension } from './node-red/index.js'
import { statusLightExtension } from './status-light/index.js'

export interface GatewayExtension {
  readonly name: string
  start: (gateway: Gateway) => Promise<void>
  stop: () => Promise<void>
  /** URLs to show people (e.g. the Node-RED editor), if any. */
  urls?: () => Record<string, string>
}

/** Each entry decides from the room config whether it runs; the order is the start order. */
type ExtensionFactory = (gateway: Gateway) => GatewayExtension | null

export const extensionFactories: ExtensionFactory[] = [
  networkMonitorExtension,
  preSessionCheckExtension,
  statusLightExtension,
  // Last: Node-RED's flows consume what the other parts publish.
  nodeRedExtension
]
