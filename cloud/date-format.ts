// Intl.DateTimeFormat objects, made once per locale and options: making one costs tens of
// microseconds, and incident texts and opening-hours checks format times for every room on every
// evaluation — at 1,000 rooms that was a tenth of the hub's CPU.
const formats = new Map<string, Intl.DateTimeFormat>()

export function dateTimeFormat (locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`
  let f = formats.get(key)
  if (f === undefined) {
    f = new Intl.DateTimeFormat(locale, options)
    formats.set(key, f)
  }
  return f
}
