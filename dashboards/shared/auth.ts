// The hub token of this browser tab and JSON requests that carry it. A token given as ?token= (the
// demo prints such links) is moved into sessionStorage and taken out of the address bar, so it is
// not bookmarked, shared in a screenshot or left in the history; closing the tab forgets it.

const STORAGE_KEY = 'helserom.token'

export function takeTokenFromUrl (): void {
  const url = new URL(location.href)
  const token = url.searchParams.get('token')
  if (token === null) return
  if (token !== '') saveToken(token)
  url.searchParams.delete('token')
  history.replaceState(history.state, '', url.pathname + url.search + url.hash)
}

export function getToken (): string | null {
  try { return sessionStorage.getItem(STORAGE_KEY) } catch { return null }
}

export function saveToken (token: string): void {
  try { sessionStorage.setItem(STORAGE_KEY, token.trim()) } catch {}
}

export function forgetToken (): void {
  try { sessionStorage.removeItem(STORAGE_KEY) } catch {}
}

/** An HTTP answer other than 2xx, with the hub's `{error: {code, message}}` when it sent one. */
export class ApiError extends Error {
  constructor (readonly status: number, readonly code: string, message: string, readonly reason: { nb: string, en: string } | null = null) {
    super(message)
    this.name = 'ApiError'
  }
}

async function errorOf (res: Response): Promise<ApiError> {
  let code = `http_${res.status}`
  let message = res.statusText
  let reason: { nb: string, en: string } | null = null
  try {
    const body = await res.json() as { error?: { code?: string, message?: string, reason?: { message?: { nb: string, en: string } } } }
    if (body.error?.code !== undefined) code = body.error.code
    if (body.error?.message !== undefined) message = body.error.message
    reason = body.error?.reason?.message ?? null
  } catch {}
  return new ApiError(res.status, code, message, reason)
}

/** A request with the bearer token; throws ApiError (status 0 when the hub cannot be reached). */
export async function apiFetch (path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  const token = getToken()
  if (token !== null) headers.set('authorization', `Bearer ${token}`)
  let res: Response
  try {
    res = await fetch(path, { ...init, headers })
  } catch (err) {
    throw new ApiError(0, 'unreachable', (err as Error).message)
  }
  if (!res.ok) throw await errorOf(res)
  return res
}

export async function apiJson<T> (path: string, init: RequestInit = {}): Promise<T> {
  const res = await apiFetch(path, init)
  return await res.json() as T
}

export async function apiPost<T> (path: string, body: unknown): Promise<T> {
  return await apiJson<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) })
}

/** A route another part of the hub has not shipped yet answers 404 "no route …" (cloud/http/errors.ts). */
export function isMissingRoute (err: unknown): boolean {
  return err instanceof ApiError && err.status === 404 && /^no route /.test(err.message)
}
