#!/usr/bin/env node
// goprobe's launcher: TypeScript runs through tsx (no build step), and probe modules
// outside this package may import 'goprobe' and 'goprobe/stdlib/*' without installing it.
import { register } from 'node:module'
import { register as registerTsx } from 'tsx/esm/api'

registerTsx()
register('./resolve-goprobe.js', import.meta.url)
const { main } = await import('../src/cli/main.ts')
await main(process.argv.slice(2))
