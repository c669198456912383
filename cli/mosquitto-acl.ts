// `helserom mosquitto-acl --config hub.yaml [--out FILE]`: for a hub on an external Mosquitto
// (broker: { mode: external }), the acl_file with the hub's own MQTT rules (cloud/broker/mosquitto-acl.ts),
// and for the operator the mosquitto_passwd lines and the mosquitto.conf lines that go with it.
// The hub holds only hashes of the gateways' passwords and the users' tokens, so mosquitto_passwd
// asks for each one: the gateway's is `hub.password` in that room's room.yaml.
// The ACL goes to FILE (or stdout); the instructions to stdout (or stderr, when stdout is the ACL).
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { mosquittoAccounts, mosquittoAcl, type MosquittoAccount } from '../cloud/broker/mosquitto-acl.js'
import { loadHubConfig, type HubConfig } from '../cloud/config.js'
import { parseOptions, UsageError } from './options.js'

const DEFAULT_ACL_FILE = '/etc/mosquitto/helserom.acl'
const DEFAULT_PASSWORD_FILE = '/etc/mosquitto/helserom.passwd'

function whosePassword (account: MosquittoAccount): string {
  switch (account.kind) {
    case 'hub': return 'the hub: broker.password in hub.yaml'
    case 'gateway': return `the gateway of ${account.of}: hub.password in its room.yaml`
    case 'user': return `user (${account.of}), only if they connect over MQTT: their bearer token`
  }
}

/** The lines that make the password file; mosquitto_passwd asks for each password (kept off the command line). */
function passwordLines (accounts: readonly MosquittoAccount[], passwordFile: string): string[] {
  const commands = accounts.map((a, i) => `mosquitto_passwd ${i === 0 ? '-c ' : ''}${passwordFile} ${a.username}`)
  const width = Math.max(...commands.map((c) => c.length))
  return commands.map((c, i) => `${c.padEnd(width)}   # ${whosePassword(accounts[i] as MosquittoAccount)}`)
}

/** The listener the gateways and the hub reach, from broker.url. */
function listenerLines (url: string | undefined): string[] {
  let parsed: URL | undefined
  try { parsed = url !== undefined ? new URL(url) : undefined } catch {}
  const tls = parsed?.protocol === 'mqtts:' || parsed?.protocol === 'ssl:'
  const port = parsed?.port !== undefined && parsed.port !== '' ? parsed.port : tls ? '8883' : '1883'
  return [`listener ${port}`, ...(tls ? ['certfile /etc/mosquitto/certs/broker.crt', 'keyfile /etc/mosquitto/certs/broker.key'] : [])]
}

function operatorGuide (config: HubConfig, aclFile: string, passwordFile: string): string {
  const accounts = mosquittoAccounts(config)
  return [
    ...(config.broker.mode !== 'external' ? ['Note: this hub.yaml has broker.mode embedded, where the hub enforces these rules itself; the files are for broker: { mode: external }.', ''] : []),
    `1. Make the password file (mosquitto_passwd asks for each password; -c on the first line creates the file — leave it out to add to an existing one; for scripts: mosquitto_passwd -b ${passwordFile} USER PASSWORD):`,
    '',
    ...passwordLines(accounts, passwordFile).map((l) => `   ${l}`),
    '',
    `2. Make both files readable by the broker, which reads them as the mosquitto user:`,
    '',
    `   chown root:mosquitto ${passwordFile} ${aclFile} && chmod 0640 ${passwordFile} ${aclFile}`,
    '',
    '3. Put these lines in /etc/mosquitto/conf.d/helserom.conf:',
    '',
    ...[...listenerLines(config.broker.url), 'allow_anonymous false', `password_file ${passwordFile}`, `acl_file ${aclFile}`].map((l) => `   ${l}`),
    '   # optional: one connection per account, so that no account can take over another\'s session by its',
    '   # client id (the hub reserves gateway-<room> for the room\'s gateway; Mosquitto cannot):',
    '   # use_username_as_clientid true',
    '',
    '4. systemctl restart mosquitto (after a change of hub.yaml, run this command again, then: systemctl reload mosquitto).',
    ''
  ].join('\n')
}

export async function runMosquittoAcl (args: string[]): Promise<number> {
  const { values } = parseOptions(args, {
    config: { type: 'string', short: 'c' },
    out: { type: 'string', short: 'o' },
    'password-file': { type: 'string' }
  })
  if (values.config === undefined) throw new UsageError('--config hub.yaml is required')
  const loaded = loadHubConfig(values.config)
  if (!loaded.ok) {
    for (const problem of loaded.problems) console.error(problem.toString())
    return 1
  }
  const config = loaded.value
  let acl: string
  let guide: string
  const aclFile = values.out !== undefined ? resolve(values.out) : DEFAULT_ACL_FILE
  try {
    acl = mosquittoAcl(config)
    guide = operatorGuide(config, aclFile, values['password-file'] ?? DEFAULT_PASSWORD_FILE)
  } catch (err) {
    if (!(err instanceof TypeError)) throw err
    console.error(`${values.config}: ${err.message}`)
    return 1
  }
  if (values.out === undefined) {
    process.stdout.write(acl)
    process.stderr.write(`\nThe ACL above goes to ${aclFile} (or use --out FILE).\n\n${guide}`)
    return 0
  }
  writeFileSync(aclFile, acl, { mode: 0o640 })
  process.stdout.write(`ACL for ${config.gateways.length} gateway(s) and ${config.users.length} user(s) written to ${aclFile}\n\n${guide}`)
  return 0
}
