// `helserom hash-password`: the hashes the configs store. A gateway password or a chosen token
// is read from stdin (never from the command line, where `ps` and shell history would see it)
// and hashed with scrypt; `--generate` makes a new random bearer token and prints it with its hash.
import { createInterface } from 'node:readline'
import { generateToken, hashPassword, hashToken } from '../protocol/credentials.js'
import { parseOptions } from './options.js'

async function readSecret (): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (input is not hidden; pipe it in to keep it off the screen): ')
  const lines = createInterface({ input: process.stdin })
  for await (const line of lines) {
    lines.close()
    return line
  }
  return ''
}

export async function runHashPassword (args: string[]): Promise<number> {
  const { values } = parseOptions(args, { generate: { type: 'boolean', short: 'g' } })
  if (values.generate === true) {
    const token = generateToken()
    console.log(`secret: ${token}\nhash:   ${hashToken(token)}`)
    console.error('A generated secret serves as a user token (tokenHash) or a gateway password (passwordHash):\ngive the secret to its user or put it in the room config; only the hash goes into the hub config.')
    return 0
  }
  const secret = await readSecret()
  if (secret.length === 0) {
    console.error('helserom hash-password: no password given on stdin')
    return 1
  }
  console.log(await hashPassword(secret))
  return 0
}
