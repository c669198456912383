// The hub's web pages (dashboards/): the fleet page at / and /rooms/:room (IT), the consultation
// console at /consult/:room (specialist), the readiness light's remote view at /light/:room, and
// their assets under /assets/. The documents need no token — each page asks for one and uses it on
// /api and /ws, where the bearer-auth hook decides — so they carry no data. Documents are always
// revalidated (ETag); assets have content-hashed names and are cached for a year.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { ASSET_PREFIX, loadHubPages, type HtmlName, type PageAsset, type PageSet } from '../../dashboards/build.js'
import { HttpError } from './errors.js'

export interface PagesPluginOptions {
  /** The pages to serve; default: loadHubPages() (bundled from the sources, or dist/pages when compiled). */
  pages?: PageSet | Promise<PageSet>
}

// 'unsafe-inline' for scripts only because the light page is one self-contained file; the other pages
// load their scripts from /assets. Styles: preact sets style attributes (the virtual list's offsets).
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'"
].join('; ')

function send (request: FastifyRequest, reply: FastifyReply, file: PageAsset, cache: string): FastifyReply {
  void reply
    .type(file.type)
    .header('cache-control', cache)
    .header('etag', file.etag)
    .header('x-content-type-options', 'nosniff')
  if (file.type.startsWith('text/html')) {
    void reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY')
  }
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send()
  return reply.send(file.body)
}

export const pagesPlugin: FastifyPluginAsync<PagesPluginOptions> = async (app, opts) => {
  const pages = await (opts.pages ?? loadHubPages())
  const doc = (name: HtmlName): PageAsset => {
    const file = pages.html[name]
    if (file === undefined) throw new Error(`the page bundle has no ${name} page (run npm run build:pages again)`)
    return file
  }
  const fleet = doc('fleet')
  const consult = doc('consult')
  const light = doc('lightHub')
  const hidden = { schema: { hide: true } }

  app.get('/', hidden, async (request, reply) => send(request, reply, fleet, 'no-cache'))
  app.get('/rooms/:room', hidden, async (request, reply) => send(request, reply, fleet, 'no-cache'))
  app.get('/consult/:room', hidden, async (request, reply) => send(request, reply, consult, 'no-cache'))
  app.get('/light/:room', hidden, async (request, reply) => send(request, reply, light, 'no-cache'))
  app.get(`${ASSET_PREFIX}*`, hidden, async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const file = pages.assets.get(path)
    if (file === undefined) throw new HttpError(404, 'not_found', `no asset ${path}`)
    return send(request, reply, file, 'public, max-age=31536000, immutable')
  })
}
