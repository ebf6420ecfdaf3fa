// probes/panics.ts and probes/recover.ts on `runtimeops panics`: each panic the fixture
// raised (values of five dynamic types, each recovered) appears with the goroutine id the
// fixture read from runtime.Stack, the dynamic type as Go's %T prints it, and the message
// for strings and errors.New / fmt.Errorf values; panics also show the stack through
// main.runPanics (with symbols). A recover() without a panic prints nothing.
import { expect } from 'vitest'
import panics from '../../probes/panics.ts'
import recover from '../../probes/recover.ts'
import { describeE2E, itE2E } from '../support/bpftrace.ts'
import { caseLabel, checkCase, runtimeCases } from './runtime-harness.ts'

// panics probes only entries (stock bpftrace takes PIE builds at the first byte, guarded); recover probes returns.
const panicCases = await runtimeCases({ returns: false, stripped: 'run' })
const recoverCases = await runtimeCases({ returns: true, stripped: 'run' })

/**
 * `<kind> goroutine <id>: <type>` optionally followed by `  message: <text>`, as the
 * fixture's `<kind> <id> <type> <text or ->`; with `withMessage` false the text is dropped.
 */
function events(lines: string[], kind: string, withMessage: boolean): string[] {
  const out: string[] = []
  lines.forEach((l, i) => {
    const m = new RegExp(`^${kind} goroutine (\\d+): (.+)$`).exec(l)
    if (!m) return
    const msg = /^ {2}message: (.*)$/.exec(lines[i + 1] ?? '')
    out.push(`${kind} ${m[1]} ${m[2]}${withMessage ? ` ${msg ? msg[1] : '-'}` : ''}`)
  })
  return out
}

describeE2E('panics and recover probes', () => {
  for (const c of panicCases) {
    itE2E(`panics: ${caseLabel(c)}`, () => checkCase(c, panics, 'panics', {}, ({ lines, record }) => {
      const expected = record.filter((r) => r.startsWith('panic '))
      expect(expected).toHaveLength(5)
      expect(events(lines, 'panic', true)).toEqual(expected)
      // Frame-pointer stacks from the entry of gopanic: before go1.21-ish the callee has not
      // pushed BP yet there, so the direct caller (main.panicAndRecover) may be missing;
      // its caller main.runPanics is always there.
      if (c.build.mode !== 'stripped') {
        expect(lines.filter((l) => /^\s+main\.runPanics\+\d+$/.test(l))).toHaveLength(5)
      }
    }), c.member)
  }
  for (const c of recoverCases) {
    itE2E(`recover: ${caseLabel(c)}`, () => checkCase(c, recover, 'panics', {}, ({ lines, record }) => {
      const expected = record.filter((r) => r.startsWith('recover '))
      expect(expected).toHaveLength(5)
      expect(events(lines, 'recover', false)).toEqual(expected)
      // The message lines match the panics' messages.
      const messages = lines.filter((l) => l.startsWith('  message: ')).map((l) => l.slice('  message: '.length))
      expect(messages).toEqual(record.filter((r) => r.startsWith('panic ')).map((r) => r.split(' ').slice(3).join(' ')).filter((t) => t !== '-'))
    }), c.member)
  }
})
