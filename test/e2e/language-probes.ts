// Probes for test/fixtures/go/lang and stackgrow, printing in the fixtures' own
// record format so that the tests can compare the two line for line.
import { goString, goroutineId, map, printf, program, result, uprobe, v } from '../../src/index.ts'

/** Signatures for stripped builds (no DWARF); builtin types only. */
export const SIGNATURES = {
  'main.Small': 'func(a int8, b int16, c int32, d uint8, e bool) int64',
  'main.Depth': 'func(n int) int',
  'main.Work': 'func(id int) int',
} as const

export const languageProbe = program(import.meta, {
  name: 'lang',
  description: 'every language feature on test/fixtures/go/lang',
  params: v.object({ structs: v.optional(v.picklist(['yes', 'no']), 'yes') }),
}, ({ structs }) => {
  if (structs === 'yes') {
    uprobe('main.Visit').onReturn(({ entry }) => {
      const o = entry.arg('o')
      printf('Visit X=%d In.A=%d In.Name=%s len=%d cap=%d Tags[1]=%s Arr[2]=%d E=%d idx=%d -> %s\n',
        o.field('X'), o.field('In').field('A'), goString(o.field('In').field('Name')), o.field('Tags').len(), o.field('Tags').cap(),
        goString(o.field('Tags').index(1)), o.field('Arr').index(2), o.field('E'), entry.arg('idx'), goString(result(0)))
    })
  }
  uprobe('main.Small', { signatures: SIGNATURES }).onReturn(({ entry }) => {
    printf('Small %d %d %d %d %d -> %d\n', entry.arg('a'), entry.arg('b'), entry.arg('c'), entry.arg('d'), entry.arg('e'), result(0))
  })
  uprobe('main.Depth', { signatures: SIGNATURES }).onReturn(({ entry }) => {
    printf('Depth %d -> %d\n', entry.arg('n'), result(0))
  })
  const calls = map('calls')
  uprobe('main.Work', { signatures: SIGNATURES }).onReturn(({ entry }) => {
    printf('Work %d goid=%d -> %d\n', entry.arg('id'), goroutineId(), result(0))
    calls.at('Work').count()
  })
})

export const stackGrowthProbe = program(import.meta, {
  name: 'grow',
  description: 'count entries of main.Grow, whose prologue grows the stack on every call',
}, () => {
  const entries = map('entries')
  uprobe('main.Grow', { signatures: { 'main.Grow': 'func(n int) int' } }).onEntry(() => entries.at().count())
})


