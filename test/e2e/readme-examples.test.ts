// Every `npx goprobe ...` line of the README runs, as written, against the bundled demo program,
// so the README cannot drift from the command. The README's rules for its examples:
// - they run in a directory holding the demo binary as `./demo`;
// - a TypeScript block whose first line is `// N. path` (or `// path`) is that file there;
// - in a block of `$ command` lines, the lines under a command are (part of) what it prints:
//   each must appear in the real output, up to numbers, addresses and paths (`...` skips);
//   a command shown with a `goprobe: ` error line must be refused with exit code 2.
import { exec as execCallback } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { demoBinary } from '../../scripts/demo-binary.ts'
import { REPO_ROOT } from '../support/fixtures.ts'
import { bpftraceMatrix, bpftraceOf, itE2E } from '../support/bpftrace.ts'

const exec = promisify(execCallback)

interface Example {
  /** The command line as the README writes it. */
  command: string
  /** Lines the README shows as its output (may be empty). */
  shown: string[]
  /** Line number in the README, for failure messages. */
  line: number
}

interface ReadmeFile {
  path: string
  text: string
}

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')

/** Fenced blocks with their language and first line number. */
function fencedBlocks(text: string): { lang: string; lines: string[]; start: number }[] {
  const blocks: { lang: string; lines: string[]; start: number }[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!)
    if (!open) continue
    const body: string[] = []
    let j = i + 1
    while (j < lines.length && !lines[j]!.startsWith('```')) body.push(lines[j++]!)
    blocks.push({ lang: open[1]!, lines: body, start: i + 2 })
    i = j
  }
  return blocks
}

function examples(text: string): Example[] {
  const out: Example[] = []
  for (const block of fencedBlocks(text)) {
    let current: Example | undefined
    block.lines.forEach((raw, k) => {
      const m = /^(\$ )?npx goprobe (.*)$/.exec(raw)
      if (m) {
        current = { command: `npx goprobe ${m[2]!}`, shown: [], line: block.start + k }
        out.push(current)
        // Only `$ ` blocks show output; in others a following line is another command or a comment.
        if (!m[1]) current = undefined
      } else if (current && raw.startsWith('$ ')) {
        current = undefined
      } else if (current) {
        current.shown.push(raw)
      }
    })
  }
  return out
}

function files(text: string): ReadmeFile[] {
  return fencedBlocks(text)
    .filter((b) => b.lang === 'ts')
    .flatMap((b) => {
      const m = /^\/\/ (?:\d+\. )?([\w./-]+\.ts)\s*$/.exec(b.lines[0] ?? '')
      return m ? [{ path: m[1]!, text: `${b.lines.join('\n')}\n` }] : []
    })
}

/** Numbers, addresses and absolute paths vary by toolchain and machine; the rest must match. */
function normalise(line: string): string {
  return line
    .replace(/\/[\w./-]+/g, '<path>')
    .replace(/0x[0-9a-f]+/gi, '<hex>')
    .replace(/\b\d+\b/g, '<n>')
    .replace(/[A-Za-z0-9_-]{20}\/[A-Za-z0-9_/-]+/g, '<build id>')
    .replace(/\s+/g, ' ')
    .trim()
}

const ALL = examples(README)
/** Commands that attach probes need root and bpftrace; the others only read the binary. */
const attaches = (e: Example) => /^npx goprobe (run|doctor)\b/.test(e.command)

describe('README examples', () => {
  it('the README has examples of every command', () => {
    const used = new Set(ALL.map((e) => e.command.split(/\s+/)[2]))
    for (const cmd of ['info', 'symbols', 'layout', 'func', 'lines', 'compile', 'run', 'list', 'types', 'check', 'doctor']) {
      expect(used, `no \`npx goprobe ${cmd}\` example in the README`).toContain(cmd)
    }
  })

  it('npx resolves the goprobe command in this repository', async () => {
    const { stdout } = await exec('npx --no-install goprobe --version', { cwd: REPO_ROOT })
    expect(stdout).toMatch(/^goprobe \d+\.\d+\.\d+/)
  })

  // One scratch directory for all examples, in README order: later ones use files earlier ones wrote.
  const dir = mkdtempSync(join(tmpdir(), 'goprobe-readme-'))
  let prepared = false
  const prepare = () => {
    if (prepared) return
    symlinkSync(demoBinary(), join(dir, 'demo'))
    for (const f of files(README)) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true })
      writeFileSync(join(dir, f.path), f.text)
    }
    prepared = true
  }
  const launcher = join(REPO_ROOT, 'bin', 'goprobe.js')

  for (const example of ALL) {
    const name = `README:${example.line}: ${example.command}`
    /** Runs the example; `bpftrace`, when given, is the one goprobe must use ($GOPROBE_BPFTRACE). */
    const body = async (bpftrace?: string) => {
      prepare()
      // `npx goprobe` from the scratch directory would look for a goprobe installed there; the
      // line above proves what npx runs in the repository, so the launcher is called directly.
      const command = example.command.replace(/^npx goprobe/, `node ${launcher}`)
      const env = bpftrace === undefined ? process.env : { ...process.env, GOPROBE_BPFTRACE: bpftrace }
      // An example may show a refusal (a misspelled parameter): then it exits 2 and says so on stderr.
      const { stdout, stderr, code } = await exec(command, { cwd: dir, env, timeout: 120_000, maxBuffer: 64 << 20 }).then(
        (r) => ({ ...r, code: 0 }),
        (e: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? 1 }),
      )
      const refusal = example.shown.some((l) => l.startsWith('goprobe: ') && !l.startsWith('goprobe: note: '))
      expect(code, `${name}\n${stderr}`).toBe(refusal ? 2 : 0)
      expect(stderr, name).not.toMatch(/internal error|Error:|ERROR:|WARNING:/)
      const actual = new Set(`${stdout}\n${stderr}`.split('\n').map(normalise))
      for (const shown of example.shown) {
        if (shown.trim() === '...' || shown.trim() === '') continue
        expect(actual.has(normalise(shown)), `${name}: the README shows ${JSON.stringify(shown)}, not printed:\n${stdout}\n${stderr}`).toBe(true)
      }
    }
    if (!attaches(example)) it(name, () => body(), 120_000)
    // What a user sees with each bpftrace of the matrix.
    else for (const member of bpftraceMatrix()) itE2E(`${name} (${member.label})`, () => body(bpftraceOf(member).path), member, 180_000)
  }
})
