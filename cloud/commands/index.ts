// Device commands from the hub: CommandRelay (cmd/{name} → cmd/{name}/result, by correlation id)
// and the HTTP routes on top of it.
export { CommandRelay, CommandRelayError, MAX_COMMAND_TIMEOUT_MS, type CommandFailure, type CommandOrder, type CommandRelayOptions } from './command-relay.js'
export { commandRoutes, statusOfFailure, CommandBody, CommandResponse, CommandErrorResponse, type CommandRoutesOptions } from './command-routes.js'
