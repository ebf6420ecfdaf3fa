// Disassembly facts checked against tools no one here wrote: every RET site of every
// function against GNU objdump, and every post-prologue point against the prologue_end
// marks Go's compiler writes into DWARF line tables (read by Go's own debug/dwarf).
import { execFile, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Target } from '../../src/target.ts'
import { buildLabel, buildFixture, cacheDir, esbuildBinary, goVersionAtLeast, REPO_ROOT, toolchains, type Toolchain } from '../support/fixtures.ts'
import { objdumpInstructions, type ObjdumpInstruction } from '../support/oracles.ts'

const run = promisify(execFile)

async function prologueOracle(binary: string): Promise<Record<string, { entry: number; mark: number }>> {
  const exe = join(cacheDir(), 'oracles', 'prologue')
  await run('go', ['build', '-o', exe, '.'], { cwd: join(REPO_ROOT, 'test', 'oracles', 'prologue') })
  const { stdout } = await run(exe, [binary], { maxBuffer: 64 << 20 })
  return JSON.parse(stdout) as Record<string, { entry: number; mark: number }>
}

async function textInstructions(target: Target): Promise<ObjdumpInstruction[]> {
  const fns = target.binary.functions.functions
  return objdumpInstructions(target.path, fns[0]!.entry, fns[fns.length - 1]!.end)
}

/**
 * Compare every function's RET sites with objdump's RET instructions in its range, and its
 * tail jumps with objdump's JMPs that leave it: to an address outside it, or through a register.
 */
async function checkRets(target: Target, insns: ObjdumpInstruction[]): Promise<{ functions: number; rets: number; tailJumps: number }> {
  const rets = insns.filter((i) => /^(\S+ )*retq?$/.test(i.mnemonic)).map((i) => i.addr)
  const jumps = insns.filter((i) => i.mnemonic === 'jmp')
  let at = 0
  let jumpAt = 0
  let total = 0
  let tailJumps = 0
  const fns = target.binary.functions.functions
  for (const fn of fns) {
    const code = await target.code(fn)
    while (at < rets.length && rets[at]! < fn.entry) at++
    while (jumpAt < jumps.length && jumps[jumpAt]!.addr < fn.entry) jumpAt++
    const expected: number[] = []
    for (let j = at; j < rets.length && rets[j]! < fn.end; j++) expected.push(rets[j]!)
    const leaving: number[] = []
    for (let j = jumpAt; j < jumps.length && jumps[j]!.addr < fn.end; j++) {
      const { addr, operands } = jumps[j]!
      const direct = /^(?:0x)?([0-9a-f]+)(?: <[^>]*>)?$/.exec(operands) // `401e00 <sym>`, or `0x401e00` without symbols
      const target = direct ? Number.parseInt(direct[1]!, 16) : undefined
      if (target !== undefined ? target < fn.entry || target >= fn.end : /^\*%r[0-9a-z]+$/.test(operands)) leaving.push(addr)
    }
    if (!code.complete) continue // data in hand-written assembly: only a prefix is decoded, and reported as such
    expect(code.retOffsets.map((o) => fn.entry + o), fn.name).toEqual(expected)
    expect(code.tailJumpOffsets.map((o) => fn.entry + o), `${fn.name} tail jumps`).toEqual(leaving)
    total += expected.length
    tailJumps += leaving.length
  }
  return { functions: fns.length, rets: total, tailJumps }
}

const tcs = await toolchains()

describe('RET sites and post-prologue points', () => {
  for (const tc of tcs) {
    for (const mode of ['default', 'pie'] as const) {
      it(`lang ${tc.id} ${mode}: RETs equal objdump's; post-prologue points equal DWARF prologue_end`, async () => {
        const build = await buildFixture('lang', tc, mode)
        const target = Target.open(build.path)
        try {
          const insns = await textInstructions(target)
          const { functions, rets, tailJumps } = await checkRets(target, insns)
          expect(functions).toBeGreaterThan(1000)
          expect(rets).toBeGreaterThan(1000)
          expect(tailJumps).toBeGreaterThan(10)

          const marks = await prologueOracle(build.path)
          const byAddr = new Map(insns.map((i, n) => [i.addr, n]))
          let agreed = 0
          for (const fn of target.binary.functions.functions) {
            const mark = marks[fn.pclntabName ?? fn.name]
            const code = await target.code(fn)
            if (code.postPrologueOffset !== undefined && mark !== undefined && mark.entry === fn.entry) {
              // prologue_end marks the frame setup: our point itself (go1.19's `sub rsp`), or the
              // instruction after the `push rbp` / `mov rbp, rsp` that newer toolchains put first.
              // Our point is before those, where SP still equals the entry SP.
              const ours = fn.entry + code.postPrologueOffset
              const n = byAddr.get(ours)
              expect(n, `${fn.name}: our point is an instruction start for objdump`).toBeDefined()
              const pushed = insns[n!]?.mnemonic === 'push' && insns[n!]?.operands === '%rbp'
              const framed = pushed && insns[n! + 1]?.mnemonic === 'mov' && insns[n! + 1]?.operands === '%rsp,%rbp'
              const candidates = [ours, ...(pushed ? [insns[n! + 1]?.addr] : []), ...(framed ? [insns[n! + 2]?.addr] : [])]
              expect(candidates, `${fn.name} in ${buildLabel(build)}`).toContain(mark.mark)
              agreed++
            } else if (code.postPrologueOffset === undefined) {
              // No stack check found: objdump must not show the guard comparison either.
              const first = byAddr.get(fn.entry)
              const head = first === undefined ? [] : insns.slice(first, first + 6).filter((i) => i.addr < fn.end)
              expect(head.some((i) => /0x1[08]\(%r14\)/.test(i.operands) && i.mnemonic.startsWith('cmp')), fn.name).toBe(false)
            }
          }
          expect(agreed).toBeGreaterThan(500)
        } finally {
          target.close()
        }
      })
    }
  }

  it('esbuild 0.8.57 (go1.16, stack ABI, stripped): RETs equal objdump\'s; every TLS stack check is found', async () => {
    const path = await esbuildBinary()
    expect(path, 'esbuild binary (npm pack esbuild-linux-64@0.8.57)').toBeDefined()
    const target = Target.open(path!)
    try {
      expect(target.abi.value).toBe('stack')
      const insns = await textInstructions(target)
      const { rets } = await checkRets(target, insns)
      expect(rets).toBeGreaterThan(5000)
      let checked = 0
      const byAddr = new Map(insns.map((i, n) => [i.addr, n]))
      for (const fn of target.binary.functions.functions) {
        // objdump's view of the ABI0 stack check: g from TLS, then a compare with g.stackguard0/1 and a JBE.
        const at = byAddr.get(fn.entry)
        const head = at === undefined ? [] : insns.slice(at, at + 4)
        const g = /^%fs:0xfffffffffffffff8,(%r[a-z0-9]+)$/.exec(head[0]?.mnemonic === 'mov' ? head[0].operands : '')?.[1]
        const tlsCheck = g !== undefined && head.some((i) => i.mnemonic === 'cmp' && (i.operands.includes(`0x10(${g})`) || i.operands.includes(`0x18(${g})`))) && head.some((i) => i.mnemonic === 'jbe')
        const code = await target.code(fn)
        if (tlsCheck && code.complete) {
          expect(code.postPrologueOffset, fn.name).toBeDefined()
          // The point follows a JBE, per objdump's own decoding.
          const before = insns[byAddr.get(fn.entry + code.postPrologueOffset!)! - 1]
          expect(before?.mnemonic, fn.name).toBe('jbe')
          checked++
        }
      }
      expect(checked).toBeGreaterThan(3000)
    } finally {
      target.close()
    }
  })
})

/** The tailcall oracle program built by one toolchain, cached per toolchain and source. */
async function tailcallProgram(tc: Toolchain): Promise<string> {
  const dir = join(REPO_ROOT, 'test', 'oracles', 'tailcall')
  const hash = createHash('sha256').update(readFileSync(join(dir, 'main.go'))).update(readFileSync(join(dir, 'go.mod'))).digest('hex').slice(0, 12)
  const out = join(cacheDir(), 'oracles', `tailcall-${hash}`, tc.id)
  if (!existsSync(out)) {
    mkdirSync(dirname(out), { recursive: true })
    const tmp = `${out}.tmp-${process.pid}`
    await run(tc.goBin, ['build', '-o', tmp, '.'], { cwd: dir, env: { ...process.env, ...tc.env } })
    renameSync(tmp, out)
  }
  return out
}

describe('a wrapper of a method promoted from an embedded interface', () => {
  const WRAPPER = 'main.(*Writer).Write'
  for (const tc of tcs) {
    it(`${tc.id}: its RETs and tail jumps equal objdump's, and a return probe on it says how it returns`, async () => {
      const target = Target.open(await tailcallProgram(tc))
      try {
        const fn = target.function(WRAPPER)
        const insns = await objdumpInstructions(target.path, fn.entry, fn.end)
        const rets = insns.filter((i) => /^retq?$/.test(i.mnemonic)).map((i) => i.addr)
        const registerJumps = insns.filter((i) => i.mnemonic === 'jmp' && /^\*%r[0-9a-z]+$/.test(i.operands)).map((i) => i.addr)
        const code = await target.code(fn)
        expect(code.retOffsets.map((o) => fn.entry + o)).toEqual(rets)
        expect(code.tailJumpOffsets.map((o) => fn.entry + o)).toEqual(registerJumps)
        // Go 1.27 made this wrapper a tail call through a register; before, it called and returned.
        if (goVersionAtLeast(tc, '1.27')) {
          expect(rets).toEqual([])
          expect(registerJumps).toHaveLength(1)
          const r = spawnSync('node', [join(REPO_ROOT, 'bin', 'goprobe.js'), 'compile', 'latency', target.path, `symbol=${WRAPPER}`], { encoding: 'utf8' })
          expect(r.status).not.toBe(0)
          expect(r.stderr.trim()).toBe(`goprobe: ${WRAPPER} has no RET instruction (it returns only through 1 tail call(s)): return probes cannot be placed`)
        } else {
          expect(rets.length).toBeGreaterThan(0)
          expect(registerJumps).toEqual([])
        }
      } finally {
        target.close()
      }
    })
  }
})
