/**
 * Every bpftrace on this machine that the version-difference tests run: Debian's stock one
 * ($GOPROBE_BPFTRACE_STOCK, default /usr/bin/bpftrace) and each ${GOPROBE_CACHE}/bpftrace-<name>/bpftrace
 * that scripts/setup-system.sh installed (the 0.17 rebuild, Debian 13's, Debian unstable's).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { cacheDir } from './fixtures.ts'

export interface InstalledBpftrace {
  readonly path: string
  /** As `--version` prints it, without the v: `0.23.2`. */
  readonly version: string
}

export function installedBpftraces(): InstalledBpftrace[] {
  const paths = [process.env.GOPROBE_BPFTRACE_STOCK ?? '/usr/bin/bpftrace']
  if (existsSync(cacheDir())) {
    for (const dir of readdirSync(cacheDir()).filter((d) => d.startsWith('bpftrace-')).sort()) paths.push(join(cacheDir(), dir, 'bpftrace'))
  }
  const found: InstalledBpftrace[] = []
  for (const path of paths.filter((p) => existsSync(p))) {
    const version = /v(\d+\.\d+\.\d+)/.exec(execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 30_000 }))?.[1]
    if (!version) throw new Error(`${path} --version printed no version`)
    found.push({ path, version })
  }
  return found
}
