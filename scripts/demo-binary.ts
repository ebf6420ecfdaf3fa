// The bundled demo program (examples/demo), built once per source into goprobe's cache:
// `npm start` traces it, and the README's examples run against it.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const DEMO_SOURCE = fileURLToPath(new URL('../examples/demo', import.meta.url))

/** Path of the demo binary, built with the `go` on PATH if this source has not been built yet. */
export function demoBinary(): string {
  const hash = createHash('sha256')
    .update(readFileSync(join(DEMO_SOURCE, 'main.go')))
    .update(readFileSync(join(DEMO_SOURCE, 'go.mod')))
    .digest('hex')
    .slice(0, 12)
  const out = join(process.env.GOPROBE_CACHE ?? join(homedir(), '.cache', 'goprobe'), 'demo', hash, 'demo')
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true })
    // Built beside its final name and renamed, so that a concurrent run never sees half a binary.
    const partial = `${out}.${process.pid}.partial`
    execFileSync('go', ['build', '-o', partial, '.'], { cwd: DEMO_SOURCE, stdio: 'inherit' })
    renameSync(partial, out)
  }
  return out
}
