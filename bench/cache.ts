import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** ~/.cache/goprobe/bench (or $GOPROBE_CACHE/bench): built binaries and tools the bench reuses. */
export function benchCache(): string {
  const dir = join(process.env.GOPROBE_CACHE ?? join(homedir(), '.cache', 'goprobe'), 'bench')
  mkdirSync(dir, { recursive: true })
  return dir
}
