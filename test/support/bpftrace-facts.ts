/**
 * The two bpftraces the end-to-end tests use and what each can do, found by goprobe's own rule
 * (src/bpftrace/offset-support.ts: build facts, else one attach remembered per executable),
 * so that a fresh machine's offset-capable build is recognised by what it does. No vitest
 * here: the global setup settles both once, before the test files ask.
 */
import { join } from 'node:path'
import { inspectBpftrace, isFound } from '../../src/bpftrace/discovery.ts'
import { formatVersion } from '../../src/bpftrace/version.ts'
import { offsetWitness } from '../../src/cli/bpftrace-choice.ts'
import { Target } from '../../src/target.ts'
import { buildFixture, cacheDir, toolchains } from './fixtures.ts'

export interface Bpftrace {
  path: string
  /** As `bpftrace --version` prints it, e.g. 'v0.17.0'. */
  version: string
  /** Takes probes inside functions (`"sym"+off`, with --unsafe where it needs it). */
  offsetCapable: boolean
  /** How that was settled (build facts, or the attach and where), for messages. */
  offsetSupport: string
}

/** $GOPROBE_BPFTRACE, default ${GOPROBE_CACHE:-~/.cache/goprobe}/bpftrace-unsafe/bpftrace (built by scripts/setup-system.sh). */
export function offsetCapablePath(): string {
  return process.env.GOPROBE_BPFTRACE ?? join(cacheDir(), 'bpftrace-unsafe', 'bpftrace')
}

/** $GOPROBE_BPFTRACE_STOCK, default /usr/bin/bpftrace. */
export function stockPath(): string {
  return process.env.GOPROBE_BPFTRACE_STOCK ?? '/usr/bin/bpftrace'
}

/** The attach that settles 0.17 is tried on the basic fixture, as goprobe would try it on a probed binary. */
async function witness() {
  const [tc] = await toolchains()
  if (!tc) return undefined
  const target = Target.open((await buildFixture('basic', tc, 'default')).path)
  try {
    return await offsetWitness(target)()
  } finally {
    target.close()
  }
}

/** A Bpftrace, or why the path cannot be used. */
export async function inspectForTests(path: string): Promise<Bpftrace | string> {
  const b = await inspectBpftrace({ path, origin: '--bpftrace' }, witness, cacheDir())
  if (!isFound(b)) return b.problem
  return { path, version: `v${formatVersion(b.caps.version)}`, offsetCapable: b.offsets.accepted === true, offsetSupport: b.offsets.detail }
}
