#!/bin/sh
// 2>/dev/null; exec node --max-semi-space-size=2 "$0" "$@"
// The line above is for sh (the command `//` fails quietly, then node starts); to node it is a
// comment. Young-generation spaces of 2 MB instead of 16 take 20 to 30 MB off the peak memory
// of a compile for a large binary and cost no time (npm run bench measures both).
// goprobe's launcher: TypeScript runs through tsx (no build step), and probe modules
// outside this package may import 'goprobe' and 'goprobe/stdlib/*' without installing it.
import { register } from 'node:module'
import { register as registerTsx } from 'tsx/esm/api'

registerTsx()
register('./resolve-goprobe.js', import.meta.url)
const { main } = await import('../src/cli/main.ts')
await main(process.argv.slice(2))
