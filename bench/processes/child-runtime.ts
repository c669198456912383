// The child's side of bench/lib/children.ts: reads its input file, runs `start`, answers `ready`
// with what start returned, serves the other requests with `handlers`, and on SIGTERM runs `stop`
// and exits. A child never outlives its parent: when the IPC channel closes, it stops too.
import { readFileSync } from 'node:fs'

export type Handlers = Record<string, (payload: unknown) => unknown>

interface Request { id: number, type: string, payload?: unknown }

export function serveChild<Input, Ready> (start: (input: Input) => Promise<{ ready: Ready, handlers?: Handlers, stop?: () => Promise<void> }>): void {
  const inputFile = process.argv[2]
  if (inputFile === undefined || process.send === undefined) {
    console.error('this module runs as a child of a benchmark or a fault test (bench/lib/children.ts)')
    process.exit(2)
  }
  const input = JSON.parse(readFileSync(inputFile, 'utf8')) as Input
  let started: Promise<{ ready: Ready, handlers?: Handlers, stop?: () => Promise<void> }> | null = null
  const reply = (id: number, body: { result?: unknown, error?: string }): void => {
    if (process.connected) process.send!({ id, ...body })
  }
  process.on('message', (request: Request) => {
    void (async () => {
      try {
        if (request.type === 'ready') {
          started ??= start(input)
          reply(request.id, { result: (await started).ready })
          return
        }
        const handler = (await started)?.handlers?.[request.type]
        if (handler === undefined) throw new Error(`no handler for ${request.type}`)
        reply(request.id, { result: await handler(request.payload) })
      } catch (err) {
        reply(request.id, { error: err instanceof Error ? err.stack ?? err.message : String(err) })
      }
    })()
  })
  let stopping = false
  const stop = async (code: number): Promise<void> => {
    if (stopping) return
    stopping = true
    try {
      await (await started)?.stop?.()
    } catch (err) {
      console.error(err)
    }
    process.exit(code)
  }
  process.once('SIGTERM', () => { void stop(0) })
  process.once('SIGINT', () => { void stop(0) })
  process.once('disconnect', () => { void stop(0) })
}
