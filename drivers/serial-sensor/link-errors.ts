// Turns what the OS or serialport says when a port will not open (or a device server will not
// answer) into an error that carries its context and a hint, e.g.
//   failed to open /dev/ttyUSB0: permission denied (add the user to the dialout group)
// serialport's errors carry no errno code, only text, so the text is what is matched.

export type LinkFailureCause = 'missing' | 'permission' | 'busy' | 'not-serial' | 'refused' | 'unreachable' | 'timeout' | 'other'

export interface LinkFailure {
  cause: LinkFailureCause
  /** `failed to open <target>: <what> (<hint>)` */
  message: string
}

const TTY_PATTERNS: Array<[RegExp, LinkFailureCause, string]> = [
  [/no such file|ENOENT/i, 'missing', 'no such device (unplugged, or a different name after replugging? prefer /dev/serial/by-id/…)'],
  [/permission denied|EACCES|EPERM/i, 'permission', 'permission denied (add the user to the dialout group)'],
  [/cannot lock port|resource temporarily unavailable|EAGAIN/i, 'busy', 'the port is in use by another program (another gateway, a terminal, or ModemManager)'],
  [/device or resource busy|EBUSY/i, 'busy', 'the port is busy (another program has it open)'],
  [/inappropriate ioctl|ENOTTY/i, 'not-serial', 'not a serial port'],
  [/no such device|ENXIO|ENODEV/i, 'missing', 'the device is gone (unplugged?)']
]

const TCP_PATTERNS: Array<[RegExp, LinkFailureCause, string]> = [
  [/ECONNREFUSED/, 'refused', 'connection refused (is the serial device server on, in TCP server mode, on this port?)'],
  [/ENOTFOUND|EAI_AGAIN/, 'unreachable', 'unknown host name'],
  [/EHOSTUNREACH|ENETUNREACH|EHOSTDOWN/, 'unreachable', 'no route to the device server (network cable, or wrong address?)'],
  [/ETIMEDOUT|timed out/i, 'timeout', 'no answer from the device server'],
  [/ECONNRESET|EPIPE/, 'refused', 'the device server closed the connection']
]

function describe (target: string, error: unknown, patterns: Array<[RegExp, LinkFailureCause, string]>): LinkFailure {
  const text = error instanceof Error ? `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}` : String(error)
  for (const [pattern, cause, what] of patterns) {
    if (pattern.test(text)) return { cause, message: `failed to open ${target}: ${what}` }
  }
  const detail = (error instanceof Error ? error.message : String(error)).replace(/^Error:?\s*/, '')
  return { cause: 'other', message: `failed to open ${target}: ${detail}` }
}

export function describeTtyFailure (path: string, error: unknown): LinkFailure {
  return describe(path, error, TTY_PATTERNS)
}

export function describeTcpFailure (target: string, error: unknown): LinkFailure {
  return describe(target, error, TCP_PATTERNS)
}

/** An Error whose message is the described failure, keeping the cause for the health reason. */
export class LinkOpenError extends Error {
  constructor (readonly failure: LinkFailure, options?: { cause?: unknown }) {
    super(failure.message, options)
    this.name = 'LinkOpenError'
  }
}
