// The readiness light page (dashboards/light/): the gateway serves it itself, so it works in the
// room when the hub is unreachable. One self-contained HTML file (script and style inline), bundled
// from the sources on first use, or read from dist/pages in the container image (dashboards/build.ts).
import { loadLightPage, type PageAsset } from '../../dashboards/build.js'

export async function lightPage (): Promise<PageAsset> {
  const page = (await loadLightPage()).html.light
  if (page === undefined) throw new Error('the light page is missing from the page bundle (run npm run build:pages again)')
  return page
}

/** Bundles the page ahead of the first request, so a tablet never waits for esbuild. */
export function warmLightPage (onError: (err: unknown) => void): void {
  lightPage().catch(onError)
}
