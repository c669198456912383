// Small shared pieces of the commands: option parsing with readable errors, the logger, and
// waiting for Ctrl-C / SIGTERM to stop a long-running part cleanly.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { pino, type Logger } from 'pino'

export class UsageError extends Error {}

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>> (args: string[], options: T, allowPositionals = false): ReturnType<typeof parseArgs<{ options: T, allowPositionals: boolean, args: string[] }>> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** JSON logs (for journald and log shippers); the level from HELSEROM_LOG_LEVEL, info by default. */
export function createLogger (name: string, level = process.env.HELSEROM_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level })
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
export async function untilStopped (): Promise<string> {
  return await new Promise((resolve) => {
    const onSignal = (signal: string): void => {
      process.once('SIGINT', () => process.exit(130))
      process.once('SIGTERM', () => process.exit(143))
      resolve(signal)
    }
    process.once('SIGINT', () => onSignal('SIGINT'))
    process.once('SIGTERM', () => onSignal('SIGTERM'))
  })
}

/**
 * A long-running part must not die of one device's bug. Uncaught errors are logged and counted;
 * the supervisor and systemd (Restart=on-failure) cover what stays broken.
 */
export function keepRunningOnUncaught (log: Logger): { count: () => number } {
  let n = 0
  process.on('uncaughtException', (err) => { n++; log.error({ err }, 'uncaught exception (kept running)') })
  process.on('unhandledRejection', (err) => { n++; log.error({ err }, 'unhandled rejection (kept running)') })
  return { count: () => n }
}
