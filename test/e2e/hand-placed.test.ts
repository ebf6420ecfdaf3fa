// The offsets `goprobe symbols` reports are real probe sites: a bpftrace program written by
// hand (not by goprobe's compiler) attaches at main.Classify's post-prologue point and at
// each of its RET sites, and the hit counts equal the calls the fixture made.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'vitest'
import { buildFixture, REPO_ROOT, toolchains } from '../support/fixtures.ts'
import { bpftraceMatrix, bpftraceOf, describeE2E, itE2E, runBpftrace, type MatrixMember } from '../support/bpftrace.ts'

const exec = promisify(execFile)

interface Row { name: string; entry: string; retOffsets: number[]; postPrologue: number | null }

async function classify(binary: string): Promise<Row> {
  const { stdout } = await exec('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'symbols', binary, '^main\\.Classify$', '--json'])
  const [row] = JSON.parse(stdout) as Row[]
  expect(row?.postPrologue).not.toBeNull()
  expect(row!.retOffsets.length).toBeGreaterThan(2)
  return row!
}

/** File offset of a virtual address, from readelf's program headers (not goprobe's reader). */
async function fileOffset(binary: string, vaddr: number): Promise<number> {
  const { stdout } = await exec('readelf', ['-lW', binary])
  for (const line of stdout.split('\n')) {
    const m = /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)/.exec(line)
    if (!m) continue
    const [off, va, filesz] = [m[1], m[2], m[3]].map((h) => parseInt(h!, 16)) as [number, number, number]
    if (vaddr >= va && vaddr < va + filesz) return off + (vaddr - va)
  }
  throw new Error(`${vaddr.toString(16)} is not in a LOAD segment`)
}

function countsFromLog(log: string): number {
  return log.split('\n').filter((l) => l.startsWith('Classify ')).length
}

describeE2E('probes placed by hand at the reported sites', () => {
  /** The first point counts entries, the others returns: both equal the fixture's 10 calls. */
  async function entriesEqualReturns(member: MatrixMember, binary: string, points: string[]): Promise<void> {
    const program = `${points[0]} { @entry = count(); }\n${points.slice(1).join(',\n')} { @ret = count(); }\n`
    const r = await runBpftrace({ bpftrace: bpftraceOf(member), program, command: [binary, 'run', '2'], unsafe: true })
    expect(r.code, r.stderr).toBe(0)
    const calls = countsFromLog(r.commandStdout ?? '')
    expect(calls).toBe(10)
    expect(r.stdout).toContain(`@entry: ${calls}`)
    expect(r.stdout).toContain(`@ret: ${calls}`)
  }

  for (const member of bpftraceMatrix('offset-capable')) {
    itE2E(`unstripped build, ${member.label}, "symbol"+offset`, async () => {
      const build = await buildFixture('basic', (await toolchains())[0]!, 'default')
      const row = await classify(build.path)
      const points = [row.postPrologue!, ...row.retOffsets].map((o) => `uprobe:"${build.path}":"main.Classify"+${o}`)
      await entriesEqualReturns(member, build.path, points)
    }, member)
  }

  for (const member of bpftraceMatrix()) {
    itE2E(`stripped build, ${member.label}, raw file offsets with --unsafe`, async () => {
      const build = await buildFixture('basic', (await toolchains())[0]!, 'stripped')
      const row = await classify(build.path)
      const entry = parseInt(row.entry, 16)
      const offsets = await Promise.all([row.postPrologue!, ...row.retOffsets].map((o) => fileOffset(build.path, entry + o)))
      const points = offsets.map((o) => `uprobe:"${build.path}":0x${o.toString(16)}`)
      await entriesEqualReturns(member, build.path, points)
    }, member)
  }
})
