import type { AssignedValue } from '../../abi/location.ts'
import { hex } from '../../binary/bytes.ts'
import { describeLocation } from '../../compiler/values.ts'
import type { FunctionFacts } from '../../compiler/target-facts.ts'
import { typeString } from '../../gotypes/types.ts'
import { Target } from '../../target.ts'
import { table, writeJson } from '../output.ts'

interface ValueRow { role: string; name: string; type: string; location: string }

function rows(f: FunctionFacts): ValueRow[] {
  const fr = f.frame
  if (!fr) return []
  const row = (role: string, v: AssignedValue, i: number): ValueRow => ({ role, name: v.name ?? `#${i}`, type: typeString(v.type), location: describeLocation(v.location) })
  return [
    ...(fr.dictionary ? [{ ...row('dictionary', fr.dictionary, 0), name: '(hidden)' }] : []),
    ...(fr.receiver ? [row('receiver', fr.receiver, 0)] : []),
    ...fr.params.map((p, i) => row('param', p, i)),
    ...fr.results.map((p, i) => row('result', p, i)),
  ]
}

export async function funcCommand(path: string, name: string, json: boolean, declared: string | undefined): Promise<number> {
  const target = Target.open(path)
  try {
    const f = await target.functionFacts(target.function(name).name, declared)
    const values = rows(f)
    if (json) {
      writeJson({
        name: f.name, entry: hex(f.entry), end: hex(f.end), abi: f.abi,
        entrySite: { offset: f.entrySite.offset, afterPrologue: f.hasStackCheck },
        returnSites: f.returnSites.map((s) => s.offset),
        signatureSource: f.signature?.detail ?? null, signatureComplete: f.signature?.value.complete ?? null,
        values, frameProblem: f.frameProblem ?? null, warnings: f.locationWarnings, tailJumps: f.tailJumps,
      })
      return 0
    }
    const out = [
      `${f.name}  ${hex(f.entry)}..${hex(f.end)}  ${f.abi} ABI`,
      `entry probe:  +${hex(f.entrySite.offset)} ${f.hasStackCheck ? '(after the stack-check prologue)' : '(no stack check)'}`,
      `return sites: ${f.returnSites.map((s) => `+${hex(s.offset)}`).join(', ') || 'none'}${f.tailJumps ? ` (+${f.tailJumps} tail jumps)` : ''}`,
      `signature:    ${f.signature ? `from ${f.signature.detail}${f.signature.value.complete ? '' : ' (incomplete)'}` : 'unknown'}`,
      '',
    ]
    if (values.length) out.push(table([['ROLE', 'NAME', 'TYPE', 'LOCATION (entry SP for stack; results at every RET)'], ...values.map((v) => [v.role, v.name, v.type, v.location])]))
    if (f.frameProblem) out.push(`locations unknown: ${f.frameProblem}`)
    if (f.locationsConfirmed) out.push(`DWARF location lists confirm ${f.locationsConfirmed} of these entry locations`)
    for (const w of f.locationWarnings) out.push(`warning: ${w} (check the signature)`)
    for (const w of f.dwarfContradictions) out.push(`note: DWARF is not exact here: ${w}; the ABI location is used`)
    process.stdout.write(`${out.join('\n')}\n`)
    return 0
  } finally {
    target.close()
  }
}
