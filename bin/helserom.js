#!/usr/bin/env node
// The `helserom` executable. From a checkout it runs the TypeScript sources through tsx, so a
// fresh clone needs no build step; the container image runs the compiled `dist/cli/main.js` directly.
import { register } from 'tsx/esm/api'

register()
await import('../cli/main.ts')
