// The slice of a pino logger the stores use, so a test or a caller can hand in any pino child.
import type { Logger } from 'pino'

export type StoreLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>
