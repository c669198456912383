// The `nodeRed` part of a room config: whether the gateway runs Node-RED, on which port, who may
// open its editor, and which flow files a new room starts with. Off by default: Node-RED costs a
// small Pi more memory than the rest of the gateway together (see flows/README.md).
import { Type, type Static } from '@sinclair/typebox'

export const NodeRedUser = Type.Object({
  username: Type.String({ pattern: '^[A-Za-z0-9._@-]{1,64}$', description: 'the login name in the editor' }),
  passwordHash: Type.String({ pattern: '^scrypt\\$', description: 'from `helserom hash-password` (scrypt$N$r$p$salt$hash)' }),
  /** Node-RED's own permission names: `*` may deploy, `read` may only look. */
  permissions: Type.Union([Type.Literal('*'), Type.Literal('read')], { default: '*' })
}, { additionalProperties: false })
export type NodeRedUser = Static<typeof NodeRedUser>

export const NodeRedConfig = Type.Object({
  enabled: Type.Boolean({ default: false }),
  /** Node-RED's own HTTP server (editor and http-in endpoints); 0 = any free port. */
  port: Type.Union([Type.Integer({ minimum: 1, maximum: 65535 }), Type.Literal(0)], { default: 1880, description: 'a TCP port, or 0 for any free port' }),
  /** Listen address; by default the same as `local.host`. */
  host: Type.Optional(Type.String({ minLength: 1 })),
  /** Who may log in to the editor. None: flows run, but the editor and its admin API are off. */
  users: Type.Array(NodeRedUser, { default: [] }),
  /**
   * Flow files (e.g. from flows/examples/) that the room's flows start from. Someone who deploys
   * from the editor owns the flows from then on: a later change here no longer replaces them.
   */
  flows: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'flow files, relative to the working folder' }),
  /** Environment variables the flows read as ${NAME} or env.get("NAME"), e.g. HELSEROM_WEBHOOK_URL. */
  env: Type.Record(Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$' }), Type.String(), { default: {}, additionalProperties: false, description: 'NAME: value, names in capitals' })
}, { additionalProperties: false, default: {} })
export type NodeRedConfig = Static<typeof NodeRedConfig>
