// A test-only HTTP server that answers each SOAP request with the reply a real camera gave, from
// test/fixtures/recorded/onvif-recorded/ (recorded by agsh/onvif for its own test server): the file is
// chosen by the request's operation name, `<service>.<Operation>.xml` before `<Operation>.xml`,
// and Error.xml when there is none — the way agsh/onvif's serverMockup.js chooses. The files are
// doT templates; the few constructs they use are rendered here.
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'

export const RECORDED_DIR = fileURLToPath(new URL('../fixtures/recorded/onvif-recorded/', import.meta.url))

export interface RecordedCameraServer {
  port: number
  /** Every request seen: SOAP operations as `service.Operation`, other requests as `GET /path`. */
  readonly requests: string[]
  stop: () => Promise<void>
}

/** Renders the doT constructs the fixtures use: `{{? cond }}…{{?}}` and `{{= expr }}`. */
function render (template: string, port: number): string {
  const values: Record<string, string> = {
    'new Date().toISOString()': new Date().toISOString(),
    'new Date(Date.now()+5000).toISOString()': new Date(Date.now() + 5000).toISOString(),
    'it.hostname': '127.0.0.1',
    'it.port': String(port),
    'it.pullPointUrl': '/onvif/subscription?Idx=6'
  }
  return template
    // Conditions guard variants of a reply; `it.bad` selects a broken one, which we never want.
    .replace(/\{\{\?\s*([^}]+?)\s*\}\}([\s\S]*?)\{\{\?\}\}/g, (_all, condition: string, inner: string) => /it\.bad/.test(condition) ? '' : inner)
    .replace(/\{\{=\s*([^}]+?)\s*\}\}/g, (_all, expr: string) => values[expr.trim()] ?? '')
}

/** The operation and the ONVIF service (by namespace) of a SOAP request. */
export function operationOf (body: string): { service: string, operation: string } | null {
  const m = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?([A-Za-z]+)([^>]*)>/.exec(body)
  if (m === null) return null
  const ns = /xmlns(?::[\w-]+)?="http:\/\/www\.onvif\.org\/ver\d+\/(\w+)\/wsdl"/.exec(m[2] as string)
  return { service: ns?.[1] ?? '', operation: m[1] as string }
}

/** `answerWith` replays one file for every request (e.g. Error.xml, a camera that faults on everything). */
export async function startRecordedCameraServer (options: { answerWith?: string } = {}): Promise<RecordedCameraServer> {
  const requests: string[] = []
  let port = 0
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.method !== 'POST') {
        requests.push(`${req.method ?? 'GET'} ${req.url ?? ''}`)
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not recorded')
        return
      }
      const op = operationOf(Buffer.concat(chunks).toString('utf8'))
      if (op === null) { res.writeHead(400).end(); return }
      requests.push(`${op.service}.${op.operation}`)
      let file = `${RECORDED_DIR}${options.answerWith ?? `${op.service}.${op.operation}.xml`}`
      if (!existsSync(file)) file = `${RECORDED_DIR}${op.operation}.xml`
      if (!existsSync(file)) file = `${RECORDED_DIR}Error.xml`
      res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' }).end(render(readFileSync(file, 'utf8'), port))
    })
  }
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    requests,
    stop: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
