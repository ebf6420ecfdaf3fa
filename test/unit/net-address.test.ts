// Pure logic of stdlib/net.ts: the IPv6 layouts that printfWithAddress tries in order, and
// directive counting. Oracle for IPv6 text: Node's WHATWG URL serializer, which shortens
// the longest run of zero groups (leftmost on ties, never a single group) as RFC 5952 says.
import { describe, expect, it } from 'vitest'
import { countDirectives, ipv6Layouts } from '../../stdlib/net.ts'

/** What the generated branches print for these groups: the first layout whose zero run is all zeros. */
function render(groups: number[]): string {
  const layout = ipv6Layouts().find((l) => !l.zeroRun || groups.slice(l.zeroRun.start, l.zeroRun.start + l.zeroRun.length).every((g) => g === 0))!
  let i = 0
  return layout.format.replace(/%x/g, () => groups[layout.groups[i++]!]!.toString(16))
}

const viaUrl = (groups: number[]) => new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1)

describe('ipv6Layouts', () => {
  it('prints every pattern of zero and non-zero groups as the URL serializer does (256 patterns x 3 values)', () => {
    for (const value of [8, 0xdb8, 0xffff]) {
      for (let pattern = 0; pattern < 256; pattern++) {
        const groups = Array.from({ length: 8 }, (_, g) => ((pattern >> g) & 1 ? 0 : value - g))
        expect(render(groups), groups.join(':')).toBe(viaUrl(groups))
      }
    }
  })
  it('ends with the uncompressed layout and orders runs longest first, then leftmost', () => {
    const layouts = ipv6Layouts()
    expect(layouts).toHaveLength(29)
    expect(layouts.at(-1)).toEqual({ zeroRun: undefined, format: '%x:%x:%x:%x:%x:%x:%x:%x', groups: [0, 1, 2, 3, 4, 5, 6, 7] })
    expect(layouts[0]).toEqual({ zeroRun: { start: 0, length: 8 }, format: '::', groups: [] })
  })
})

describe('countDirectives', () => {
  it('counts directives that take an argument, not %%', () => {
    expect(countDirectives('connect ')).toBe(0)
    expect(countDirectives('%s %-8d %016lx 100%% %rx %c')).toBe(5)
  })
})
