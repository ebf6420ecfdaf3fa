import { readFileSync } from 'node:fs'

/** goprobe's own version, from package.json (printed in every generated program's header). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
