/**
 * The bpftraces the end-to-end tests run under (the matrix) and what each can do, found by
 * goprobe's own rule (src/bpftrace/offset-support.ts: build facts, else one attach remembered
 * per executable), so that a fresh machine's offset-capable build is recognised by what it
 * does. No vitest here: the global setup settles all of them once, before the test files ask.
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

/** Where the matrix finds each member, and whether it must take probes inside functions. */
export interface MatrixSpec {
  /** Names the member when it is missing ('bpftrace from Debian 13'), and tells the two 0.17 builds apart once found. */
  role: string
  /** The role is part of the label once the version is known (two builds of one release). */
  qualified: boolean
  path: string
  /** What the member must do: stock 0.17 takes no probes inside functions, every other does. */
  takesOffsets: boolean
  /** Runs every Go toolchain's fixtures; otherwise a representative subset (see MATRIX_SPECS). */
  everyToolchain: boolean
}

/**
 * The four bpftraces of the matrix (issue 16): Debian 12's stock 0.17, 0.17 rebuilt with
 * ALLOW_UNSAFE_PROBE, Debian 13's and the newest Debian unstable serves, the last two as
 * scripts/setup-system.sh unpacks them into the cache. $GOPROBE_BPFTRACE_STOCK,
 * $GOPROBE_BPFTRACE, $GOPROBE_BPFTRACE_TRIXIE and $GOPROBE_BPFTRACE_SID replace each.
 *
 * Cost: the two 0.17 builds run the fixtures of every toolchain, as before; the two newer
 * ones run the oldest and the newest toolchain (all three build modes), which keeps a full
 * run within CI's time while every test file and every bundled probe runs under all four.
 */
export function matrixSpecs(): MatrixSpec[] {
  const cached = (name: string) => join(cacheDir(), `bpftrace-${name}`, 'bpftrace')
  return [
    { role: 'stock', qualified: true, path: stockPath(), takesOffsets: false, everyToolchain: true },
    { role: 'ALLOW_UNSAFE_PROBE', qualified: true, path: offsetCapablePath(), takesOffsets: true, everyToolchain: true },
    { role: 'from Debian 13', qualified: false, path: process.env.GOPROBE_BPFTRACE_TRIXIE ?? cached('trixie'), takesOffsets: true, everyToolchain: false },
    { role: 'from Debian unstable', qualified: false, path: process.env.GOPROBE_BPFTRACE_SID ?? cached('sid'), takesOffsets: true, everyToolchain: false },
  ]
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
