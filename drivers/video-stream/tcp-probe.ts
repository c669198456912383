// Probes a tcp://host:port source: can a connection be opened, and how fast. For stream sources
// that speak something we do not read (a proprietary protocol), reachability is all we can know.
import { connect } from 'node:net'
import type { StreamTarget } from './config.js'
import { abortReason, deadline } from './deadline.js'
import { classifyError, failed, type StreamProbe } from './probe.js'

export async function probeTcp (target: StreamTarget, stop: AbortSignal): Promise<StreamProbe> {
  const started = Date.now()
  const limit = deadline(target.timeoutMs, `connecting to ${target.host}:${target.port}`, stop)
  try {
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: target.host, port: target.port })
      const onAbort = (): void => { socket.destroy(); reject(abortReason(limit.signal)) }
      socket.once('connect', () => {
        limit.signal.removeEventListener('abort', onAbort)
        socket.destroy()
        resolve()
      })
      socket.once('error', (err) => {
        limit.signal.removeEventListener('abort', onAbort)
        socket.destroy()
        reject(err)
      })
      if (limit.signal.aborted) onAbort()
      else limit.signal.addEventListener('abort', onAbort, { once: true })
    })
    const connectMs = Date.now() - started
    return { failure: null, metrics: { scheme: 'tcp', connectMs, responseMs: connectMs }, hasVideo: null, kbps: null, answerMs: connectMs }
  } catch (err) {
    return failed(classifyError(err, `TCP ${target.host}:${target.port}`), { scheme: 'tcp' })
  } finally {
    limit.clear()
  }
}
