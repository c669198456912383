// Bundles the web pages with esbuild. `npm start` has no build step, so the hub and the gateway call
// loadHubPages() / loadLightPage() at start-up: from a checkout they bundle the TypeScript sources in
// memory (a fraction of a second; always fresh), while the compiled container image serves what
// `npm run build:pages` (buildPages) wrote to dist/pages. The fleet page and the console are ES
// modules sharing one preact chunk, with content-hashed names (cached for ever); the readiness light
// is one self-contained HTML file (script and style inline, ES2019) for cheap tablets on the room
// LAN, so it needs no second request and nothing from the hub.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Metafile, type OutputFile } from 'esbuild'
import { projectFile, projectRoot } from '../protocol/project-files.js'

export type HtmlName = 'fleet' | 'consult' | 'light' | 'lightHub'

export interface PageAsset {
  body: Buffer
  type: string
  etag: string
}

export interface PageSet {
  /** Documents by name (`light`: the gateway's, `lightHub`: the hub's remote view). */
  html: Partial<Record<HtmlName, PageAsset>>
  /** URL path (`/assets/fleet-3XK2….js`) → file; every name carries a content hash. */
  assets: Map<string, PageAsset>
  from: 'bundle' | 'dist'
}

export const ASSET_PREFIX = '/assets/'
const APP_TARGET = ['es2020', 'chrome90', 'firefox90', 'edge90']
/** Old Android WebViews on wall tablets. */
const LIGHT_TARGET = ['es2019', 'chrome70']

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8'
}

const ICON = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b4f8a"/><path d="M13 6h6v7h7v6h-7v7h-6v-7H6v-6h7z" fill="#fff"/></svg>')

function asset (body: Buffer | string, type: string): PageAsset {
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
  return { body: buffer, type, etag: `"${createHash('sha1').update(buffer).digest('base64url').slice(0, 20)}"` }
}

function shell (title: string, head: string, body: string): string {
  return '<!doctype html>\n<html lang="nb">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="referrer" content="no-referrer">\n' +
    `<title>${title}</title>\n<link rel="icon" href="${ICON}">\n${head}\n</head>\n<body>\n${body}\n</body>\n</html>\n`
}

const NOSCRIPT = '<noscript>Denne siden trenger JavaScript. · This page needs JavaScript.</noscript>'

/** The fleet page and the console: ES modules with a shared chunk, CSS beside them. */
async function bundleApps (): Promise<Pick<PageSet, 'html' | 'assets'>> {
  const result = await build({
    absWorkingDir: projectRoot(),
    entryPoints: { fleet: 'dashboards/fleet/main.ts', consult: 'dashboards/consult/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: APP_TARGET,
    minify: true,
    sourcemap: 'linked',
    write: false,
    metafile: true,
    outdir: 'pages-out',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    publicPath: ASSET_PREFIX,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    logLevel: 'silent'
  })
  const assets = new Map<string, PageAsset>()
  const outDir = join(projectRoot(), 'pages-out')
  for (const file of result.outputFiles) {
    const name = file.path.slice(outDir.length + 1)
    assets.set(ASSET_PREFIX + name, asset(Buffer.from(file.contents), TYPES[extname(name)] ?? 'application/octet-stream'))
  }
  const entry = (page: string): { js: string, css: string | undefined } => {
    const [out, meta] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint === `dashboards/${page}/main.ts`) ?? []
    if (out === undefined || meta === undefined) throw new Error(`esbuild gave no output for the ${page} page`)
    return { js: ASSET_PREFIX + out.slice('pages-out/'.length), css: meta.cssBundle !== undefined ? ASSET_PREFIX + meta.cssBundle.slice('pages-out/'.length) : undefined }
  }
  const html: PageSet['html'] = {}
  for (const [page, title] of [['fleet', 'Helserom · Flåteoversikt'], ['consult', 'Helserom · Konsultasjon']] as const) {
    const { js, css } = entry(page)
    const head = `${css !== undefined ? `<link rel="stylesheet" href="${css}">\n` : ''}<script type="module" src="${js}"></script>`
    html[page] = asset(shell(title, head, `<div id="app"></div>\n${NOSCRIPT}`), TYPES['.html']!)
  }
  return { html, assets }
}

function textOf (files: OutputFile[], ext: string): string {
  return files.filter((f) => f.path.endsWith(ext)).map((f) => f.text).join('\n')
}

/** The readiness light: one HTML file with its script and style inline, in two variants. */
async function bundleLight (): Promise<Pick<PageSet, 'html'>> {
  const result = await build({
    absWorkingDir: projectRoot(),
    entryPoints: ['dashboards/light/main.ts'],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: LIGHT_TARGET,
    minify: true,
    write: false,
    outdir: 'light-out',
    legalComments: 'none',
    logLevel: 'silent'
  })
  // esbuild escapes "</script" inside strings already; this keeps it so if that ever changes
  const js = textOf(result.outputFiles, '.js').replace(/<\/(script)/gi, '<\\/$1')
  const css = textOf(result.outputFiles, '.css').replace(/<\/(style)/gi, '<\\/$1')
  const page = (source: 'gateway' | 'hub'): PageAsset => asset(shell('Helserom – klar?',
    `<meta name="helserom-source" content="${source}">\n<meta name="theme-color" content="#455a64">\n<style>${css}</style>`,
    `<div id="light"></div>\n${NOSCRIPT}\n<script>${js}</script>`), TYPES['.html']!)
  return { html: { light: page('gateway'), lightHub: page('hub') } }
}

/** Bundles every page in memory. */
export async function bundlePages (): Promise<PageSet> {
  const [apps, light] = await Promise.all([bundleApps(), bundleLight()])
  return { html: { ...apps.html, ...light.html }, assets: apps.assets, from: 'bundle' }
}

const DIST_DIR = (): string => projectFile('dist', 'pages')

interface Manifest {
  html: Partial<Record<HtmlName, string>>
  assets: Array<{ path: string, file: string, type: string }>
}

/** `npm run build:pages`: writes every page to dist/pages (for the container image). */
export async function buildPages (outDir = DIST_DIR()): Promise<PageSet> {
  const pages = await bundlePages()
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(join(outDir, 'assets'), { recursive: true })
  const manifest: Manifest = { html: {}, assets: [] }
  for (const [name, doc] of Object.entries(pages.html)) {
    const file = `${name}.html`
    writeFileSync(join(outDir, file), doc.body)
    manifest.html[name as HtmlName] = file
  }
  for (const [path, file] of pages.assets) {
    const rel = join('assets', path.slice(ASSET_PREFIX.length))
    writeFileSync(join(outDir, rel), file.body)
    manifest.assets.push({ path, file: rel, type: file.type })
  }
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  return pages
}

function readDist (dir: string): PageSet {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest
  const html: PageSet['html'] = {}
  for (const [name, file] of Object.entries(manifest.html)) html[name as HtmlName] = asset(readFileSync(join(dir, file)), TYPES['.html']!)
  const assets = new Map<string, PageAsset>()
  for (const a of manifest.assets) assets.set(a.path, asset(readFileSync(join(dir, a.file)), a.type))
  return { html, assets, from: 'dist' }
}

/**
 * Where pages come from: dist/pages when this module runs compiled (the container image) and the
 * folder exists; otherwise the sources, bundled now — so a checkout never serves a stale build.
 */
function distDirToUse (): string | null {
  const compiled = fileURLToPath(import.meta.url).endsWith('.js')
  const dir = process.env.HELSEROM_PAGES_DIR ?? (compiled ? DIST_DIR() : null)
  return dir !== null && existsSync(join(dir, 'manifest.json')) ? dir : null
}

let hubPages: Promise<PageSet> | null = null
let lightPages: Promise<PageSet> | null = null

/** Every page, for the hub; bundled once per process. */
export async function loadHubPages (): Promise<PageSet> {
  hubPages ??= (async () => {
    const dir = distDirToUse()
    return dir !== null ? readDist(dir) : await bundlePages()
  })()
  hubPages.catch(() => { hubPages = null }) // a failed bundle is tried again on the next call
  return await hubPages
}

/** Only the readiness light, for the gateway (a Raspberry Pi need not bundle the fleet page). */
export async function loadLightPage (): Promise<PageSet> {
  lightPages ??= (async () => {
    const dir = distDirToUse()
    if (dir !== null) return readDist(dir)
    return { ...await bundleLight(), assets: new Map(), from: 'bundle' as const }
  })()
  lightPages.catch(() => { lightPages = null })
  return await lightPages
}

// `tsx dashboards/build.ts [outDir]` builds to dist/pages, for an npm script.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? DIST_DIR()
  buildPages(out).then((pages) => {
    console.log(`wrote ${Object.keys(pages.html).length} pages and ${pages.assets.size} assets to ${out}`)
  }, (err: unknown) => {
    console.error(`building the pages failed: ${(err as Error).message}`)
    process.exitCode = 1
  })
}

