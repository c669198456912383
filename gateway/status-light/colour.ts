// What a physical status light shows (pure): the readiness colour, or off when the gateway has no
// readiness yet — and the one-line wire format of a "line per colour" serial light.
//
// Serial protocol (documented for anyone building or buying such a light, e.g. an Arduino or a
// USB-serial relay board): 9600 8N1 by default; the gateway writes one ASCII line per change and
// repeats it every `repeatMs`: `GREEN\n`, `AMBER\n`, `RED\n` or `OFF\n` (the words can be changed in
// the config). A light that hears nothing for three repeats should go dark or blink: the gateway is gone.
import type { ReadinessMessage } from '../../protocol/messages.js'

export type LightColour = 'green' | 'amber' | 'red' | 'off'

export const DEFAULT_WORDS: Record<LightColour, string> = { green: 'GREEN', amber: 'AMBER', red: 'RED', off: 'OFF' }

export function colourOf (readiness: ReadinessMessage | null): LightColour {
  return readiness?.level ?? 'off'
}

export function lineFor (colour: LightColour, words: Partial<Record<LightColour, string>> = {}): string {
  return `${words[colour] ?? DEFAULT_WORDS[colour]}\n`
}
