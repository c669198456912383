// A small, strict XML reader for SOAP envelopes, used by the driver (to read the exact text of a
// reply: the `onvif` library turns "2.10" into the number 2.1 and the token "1" into 1) and by the
// simulator (to read requests). Namespace prefixes are dropped: ONVIF element names are unique
// enough within one message, and real cameras are inconsistent about prefixes. Limits on size and
// depth keep a hostile or broken device from costing more than a bad reply.

export interface XmlElement {
  /** Local name, without the namespace prefix. */
  name: string
  /** The namespace URI the element's prefix (or the default namespace) is bound to; '' if none. */
  namespace: string
  /** Attributes by local name (prefix dropped; xmlns declarations left out). */
  attrs: Record<string, string>
  children: XmlElement[]
  /** The element's own text, entities decoded, surrounding whitespace kept. */
  text: string
}

export class XmlError extends Error {
  constructor (message: string, readonly at: number) {
    super(`${message} (at character ${at})`)
    this.name = 'XmlError'
  }
}

const MAX_CHARS = 4 * 1024 * 1024
const MAX_DEPTH = 64

const localName = (qname: string): string => {
  const colon = qname.indexOf(':')
  return colon === -1 ? qname : qname.slice(colon + 1)
}

function decodeEntities (raw: string, at: number): string {
  if (!raw.includes('&')) return raw
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);?/g, (whole, entity: string) => {
    if (!whole.endsWith(';')) throw new XmlError(`unterminated entity ${whole}`, at)
    switch (entity) {
      case 'lt': return '<'
      case 'gt': return '>'
      case 'amp': return '&'
      case 'quot': return '"'
      case 'apos': return "'"
    }
    if (entity.startsWith('#')) {
      const code = entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10)
      if (code > 0 && code <= 0x10ffff) return String.fromCodePoint(code)
    }
    throw new XmlError(`unknown entity &${entity};`, at)
  })
}

const NAME = /[A-Za-z_][\w.:-]*/y
const ATTR = /\s+([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y

/** Parses a document and returns its root element; throws XmlError on anything malformed. */
export function parseXml (input: string): XmlElement {
  if (input.length > MAX_CHARS) throw new XmlError(`document larger than ${MAX_CHARS} characters`, 0)
  const stack: XmlElement[] = []
  // Namespace bindings in scope, one map per open element (prefix '' = the default namespace).
  const scopes: Array<Map<string, string>> = []
  const lookup = (prefix: string): string => {
    for (let k = scopes.length - 1; k >= 0; k--) {
      const uri = (scopes[k] as Map<string, string>).get(prefix)
      if (uri !== undefined) return uri
    }
    return ''
  }
  let root: XmlElement | undefined
  let i = 0
  const n = input.length
  while (i < n) {
    const lt = input.indexOf('<', i)
    const textEnd = lt === -1 ? n : lt
    if (textEnd > i) {
      const raw = input.slice(i, textEnd)
      const top = stack.at(-1)
      if (top !== undefined) top.text += decodeEntities(raw, i)
      else if (raw.trim() !== '') throw new XmlError('text outside the root element', i)
    }
    if (lt === -1) break
    i = lt
    if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i)
      if (end === -1) throw new XmlError('unterminated processing instruction', i)
      i = end + 2
    } else if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i)
      if (end === -1) throw new XmlError('unterminated comment', i)
      i = end + 3
    } else if (input.startsWith('<![CDATA[', i)) {
      const end = input.indexOf(']]>', i)
      const top = stack.at(-1)
      if (end === -1 || top === undefined) throw new XmlError('misplaced or unterminated CDATA', i)
      top.text += input.slice(i + 9, end)
      i = end + 3
    } else if (input.startsWith('<!', i)) {
      const end = input.indexOf('>', i)
      if (end === -1) throw new XmlError('unterminated declaration', i)
      i = end + 1
    } else if (input.startsWith('</', i)) {
      NAME.lastIndex = i + 2
      const m = NAME.exec(input)
      const top = stack.pop()
      if (m === null || top === undefined || localName(m[0]) !== top.name) throw new XmlError('mismatched closing tag', i)
      scopes.pop()
      const close = input.indexOf('>', NAME.lastIndex)
      if (close === -1 || input.slice(NAME.lastIndex, close).trim() !== '') throw new XmlError('malformed closing tag', i)
      i = close + 1
    } else {
      NAME.lastIndex = i + 1
      const m = NAME.exec(input)
      if (m === null) throw new XmlError('malformed tag', i)
      const element: XmlElement = { name: localName(m[0]), namespace: '', attrs: {}, children: [], text: '' }
      const bindings = new Map<string, string>()
      let j = NAME.lastIndex
      for (;;) {
        ATTR.lastIndex = j
        const a = ATTR.exec(input)
        if (a === null) break
        const attrName = a[1] as string
        const value = decodeEntities(a[2] ?? a[3] ?? '', j)
        if (attrName === 'xmlns') bindings.set('', value)
        else if (attrName.startsWith('xmlns:')) bindings.set(attrName.slice(6), value)
        else element.attrs[localName(attrName)] = value
        j = ATTR.lastIndex
      }
      while (j < n && /\s/.test(input[j] as string)) j++
      const selfClosing = input.startsWith('/>', j)
      if (!selfClosing && input[j] !== '>') throw new XmlError(`malformed tag <${m[0]}>`, i)
      i = j + (selfClosing ? 2 : 1)
      scopes.push(bindings)
      const colon = m[0].indexOf(':')
      element.namespace = lookup(colon === -1 ? '' : m[0].slice(0, colon))
      if (selfClosing) scopes.pop()
      const parent = stack.at(-1)
      if (parent !== undefined) parent.children.push(element)
      else if (root === undefined) root = element
      else throw new XmlError('more than one root element', i)
      if (!selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlError(`nesting deeper than ${MAX_DEPTH}`, i)
        stack.push(element)
      }
    }
  }
  if (root === undefined) throw new XmlError('no root element', 0)
  if (stack.length > 0) throw new XmlError(`unclosed element <${(stack.at(-1) as XmlElement).name}>`, n)
  return root
}

/** The first child with this local name. */
export function child (el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name)
}

export function children (el: XmlElement | undefined, name: string): XmlElement[] {
  return el === undefined ? [] : el.children.filter((c) => c.name === name)
}

/** Follows a path of child names: path(envelope, 'Body', 'GetPresetsResponse'). */
export function path (el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let at = el
  for (const name of names) at = child(at, name)
  return at
}

/** The first element with this local name anywhere below `el` (depth first). */
export function descendant (el: XmlElement | undefined, name: string): XmlElement | undefined {
  if (el === undefined) return undefined
  for (const c of el.children) {
    if (c.name === name) return c
    const deeper = descendant(c, name)
    if (deeper !== undefined) return deeper
  }
  return undefined
}

/** Trimmed text of a child, or undefined when the child is absent. */
export function textOf (el: XmlElement | undefined, ...names: string[]): string | undefined {
  const at = path(el, ...names)
  return at === undefined ? undefined : at.text.trim()
}

/** A finite number from an attribute or undefined. */
export function numberAttr (el: XmlElement | undefined, name: string): number | undefined {
  const raw = el?.attrs[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const value = Number(raw)
  return Number.isFinite(value) ? value : undefined
}

/** Escapes text for an element or a double-quoted attribute. */
export function escapeXml (value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string)
}
