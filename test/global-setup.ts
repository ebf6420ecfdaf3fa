/**
 * Vitest global setup: builds every fixture with every toolchain in every mode and fetches
 * the stack-ABI esbuild binary once, up front, so that no single test waits for a build, and
 * settles what each bpftrace of the tests' matrix can do, printing their versions.
 * Everything lands in the on-disk cache (see test/support/fixtures.ts); a warm run only checks it.
 */
import { inspectForTests, matrixSpecs } from './support/bpftrace-facts.ts'
import { BUILD_MODES, FIXTURES, buildFixture, esbuildBinary, toolchains } from './support/fixtures.ts'

export default async function setup(): Promise<void> {
  const started = Date.now()
  for (const tc of await toolchains()) {
    const tcStarted = Date.now()
    for (const fixture of FIXTURES) {
      for (const mode of BUILD_MODES) await buildFixture(fixture, tc, mode)
    }
    const seconds = ((Date.now() - tcStarted) / 1000).toFixed(1)
    console.log(`fixtures: ${tc.id} (${tc.goBin}): ${FIXTURES.join(', ')} x ${BUILD_MODES.join(', ')} ready in ${seconds}s`)
  }
  const esbuild = await esbuildBinary()
  if (esbuild) console.log(`fixtures: esbuild 0.8.57 (go1.16, stack ABI, stripped) at ${esbuild}`)
  // Settled here once (an attach where --info cannot tell, remembered on disk), so that the
  // test files, which each ask again, only read the answer.
  for (const spec of matrixSpecs()) {
    const b = await inspectForTests(spec.path)
    const facts = typeof b === 'string' ? `CANNOT RUN: ${b}` : `${b.version}, ${b.offsetCapable ? 'takes' : 'takes no'} probes inside functions (${b.offsetSupport})`
    console.log(`bpftrace matrix: ${spec.role}: ${spec.path}: ${facts}`)
  }
  console.log(`fixtures: global setup took ${((Date.now() - started) / 1000).toFixed(1)}s`)
}
