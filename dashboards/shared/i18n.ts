// The page language: Norwegian bokmål first, English on request. The choice is remembered in
// localStorage (one tablet, one language), can be forced with ?lang=en, and every page listens for
// changes so a toggle re-renders without a reload. No framework: the light page uses it too.

export type Lang = 'nb' | 'en'
/** Text that people read, as the wire contract carries it (protocol/messages.ts LocalizedText). */
export interface Localized { nb: string, en: string }

const STORAGE_KEY = 'helserom.lang'
const listeners = new Set<(lang: Lang) => void>()
let current: Lang = readInitial()

function readInitial (): Lang {
  try {
    const fromUrl = new URLSearchParams(location.search).get('lang')
    if (fromUrl === 'nb' || fromUrl === 'en') return fromUrl
    const stored = localStorage.getItem(STORAGE_KEY)
    if (stored === 'nb' || stored === 'en') return stored
  } catch {
    // storage can be off (kiosk mode, private window): bokmål it is
  }
  return 'nb'
}

export function lang (): Lang {
  return current
}

export function setLang (next: Lang): void {
  current = next
  try { localStorage.setItem(STORAGE_KEY, next) } catch {}
  document.documentElement.lang = next
  for (const fn of listeners) fn(next)
}

export function onLangChange (fn: (lang: Lang) => void): () => void {
  listeners.add(fn)
  return () => { listeners.delete(fn) }
}

/** The text in the current language; '' for nothing. */
export function tr (text: Localized | null | undefined, which: Lang = current): string {
  if (text === null || text === undefined) return ''
  return text[which] !== '' ? text[which] : text.nb
}

/** A pair written inline: `L('Klar', 'Ready')`. */
export function L (nb: string, en: string): Localized {
  return { nb, en }
}

/** The other language, for the toggle's label. */
export function otherLang (which: Lang = current): Lang {
  return which === 'nb' ? 'en' : 'nb'
}

document.documentElement.lang = current
