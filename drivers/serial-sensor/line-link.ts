// What the driver needs from a connection to a device, whatever carries it: open it, get its lines,
// hear when it is lost, close it. A tty (tty-link.ts) and a TCP serial device server (tcp-link.ts)
// implement it with the same line splitter.

export interface LineLinkHandlers {
  line: (line: string) => void
  /** The link went away on its own (cable pulled, pty gone, server closed); never called after close(). */
  lost: (detail: string) => void
}

export interface LineLink {
  /** The path or tcp:// address, for messages. */
  readonly target: string
  /** Rejects with a LinkOpenError that says what failed and what to do. */
  open: () => Promise<void>
  /** Closes and releases everything; safe to call at any time, also during open(). */
  close: () => Promise<void>
}
