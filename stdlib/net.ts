/**
 * TCP connections of Go's net package, with remote addresses printed as Go prints them
 * (`127.0.0.1:8080`, `[::1]:8080`).
 *
 * Dials: `net.(*sysDialer).dialTCP(ctx, laddr, raddr *TCPAddr) (*TCPConn, error)` runs once
 * per address tried (Go 1.19 to 1.26). Accepts: `net.(*TCPListener).accept() (*TCPConn, error)`
 * behind every `Accept`; the peer's address is the connection's netFD.raddr.
 */
import { arg, Expr, local, nsecs, printf, typedUprobe, UsageError, when, type GoPtr, type Uprobe, type Value } from '../src/index.ts'
import type { Functions, net } from './gotypes/std.ts'

// Typed with the standard library's declarations (stdlib/gotypes/std.ts).
const uprobe = typedUprobe<Functions>()

/**
 * A `net.TCPAddr` read once into locals: the IP's length (4, 16, or 0 for none), its
 * first 16 bytes (those past the length are meaningless) and the port. Formatting an
 * IPv6 address tests the bytes many times; locals keep that to 18 reads.
 */
export interface TcpAddress {
  readonly ipLength: Expr
  readonly ipBytes: readonly Expr[]
  /** Bit i is set when 16-bit group i of a 16-byte IP is zero (for the IPv6 `::` shortening). */
  readonly zeroGroups: Expr
  readonly port: Expr
}

/** Read a `*net.TCPAddr` into locals named after `name` (call once per handler and name). */
export function bindTcpAddress(name: string, addr: Expr): TcpAddress {
  const ip = addr.field('IP')
  // `+ 0` makes each a number now, not a memory location read at every use.
  const ipBytes = Array.from({ length: 16 }, (_, i) => local(`${name}Ip${i}`, ip.index(i).add(0)))
  const zero = Array.from({ length: 8 }, (_, g) => ipBytes[2 * g]!.bor(ipBytes[2 * g + 1]!).eq(0).shl(g))
  return {
    ipLength: local(`${name}IpLen`, ip.len()),
    ipBytes,
    zeroGroups: local(`${name}ZeroGroups`, zero.reduce((a, b) => a.bor(b))),
    port: local(`${name}Port`, addr.field('Port').add(0)),
  }
}

export interface TcpDial {
  readonly remote: TcpAddress
  /** True when the dial failed (refused, unreachable, timed out). */
  readonly failed: Expr<boolean>
  readonly latencyNs: Expr<number>
}

const DIAL_TCP = 'net.(*sysDialer).dialTCP' as const

/**
 * Register a probe of every TCP dial (each address tried); `onDial` runs when it returns.
 * `optional`: leave it out, with a note, when the binary never dials.
 */
export function tcpDials(onDial: (d: TcpDial) => void, options: { optional?: boolean } = {}): Uprobe<Functions[typeof DIAL_TCP]> {
  return uprobe(DIAL_TCP, {
    ...options,
    signatures: { [DIAL_TCP]: 'func (sd *net.sysDialer) dialTCP(ctx context.Context, laddr, raddr *net.TCPAddr) (*net.TCPConn, error)' },
  }).onReturn(({ entry, result }) => {
    // The address is read at return through the pointer taken at entry: fields of an entry value
    // would each be captured at entry, and 19 captures overflow bpftrace 0.27's BPF stack. The
    // pointer goes through arithmetic (`.add(0)`) so that it is a number, not an entry value, at
    // return. net.Dialer does not change the TCPAddr it dials.
    const raddr = entry.value(arg('raddr').as('uint64')).add(0).as('*net.TCPAddr')
    onDial({ remote: bindTcpAddress('dialRemote', raddr), failed: result(1).isNil().not(), latencyNs: nsecs().sub(entry.value(nsecs())) })
  })
}

export interface TcpAccept {
  /** The peer of the accepted connection. */
  readonly remote: TcpAddress
}

const ACCEPT = 'net.(*TCPListener).accept' as const

/**
 * Register a probe of every accepted TCP connection.
 * `optional`: leave it out, with a note, when the binary never listens.
 */
export function tcpAccepts(onAccept: (a: TcpAccept) => void, options: { optional?: boolean } = {}): Uprobe<Functions[typeof ACCEPT]> {
  return uprobe(ACCEPT, {
    ...options,
    signatures: { [ACCEPT]: 'func (ln *net.TCPListener) accept() (*net.TCPConn, error)' },
  }).onReturn(({ result }) => {
    when(result(1).isNil(), () => {
      // TCPConn embeds conn{fd *netFD}; the peer's address is fd.raddr, a net.Addr holding a *TCPAddr.
      onAccept({ remote: bindTcpAddress('acceptRemote', result(0).field('fd').field('raddr').data().as<GoPtr<net.TCPAddr>>('*net.TCPAddr')) })
    })
  })
}

/**
 * printf with one `%A` in `format` standing for the address, written as Go's
 * TCPAddr.String() does: `1.2.3.4:80` for IPv4 (4-byte or IPv4-mapped 16-byte IPs),
 * `[2001:db8::1]:80` for IPv6 with the longest run of zero groups shortened (RFC 5952),
 * `:80` for no IP. The other directives take `args` in order. One printf runs, so the
 * line is never split between CPUs. (The IPv6 zone, as in `fe80::1%eth0`, is not printed.)
 */
export function printfWithAddress(format: string, address: TcpAddress, ...args: Value[]): void {
  const at = format.indexOf('%A')
  if (at < 0 || format.indexOf('%A', at + 1) >= 0) throw new UsageError(`printfWithAddress: the format needs exactly one %A (got ${JSON.stringify(format)})`)
  const before = format.slice(0, at)
  const after = format.slice(at + 2)
  const n = countDirectives(before)
  const emit = (addressFormat: string, addressArgs: Value[]) =>
    printf(before + addressFormat + after, ...args.slice(0, n), ...addressArgs, ...args.slice(n))

  const { ipLength, ipBytes, zeroGroups: zeros, port } = address
  const byte = (i: number) => ipBytes[i]!
  const ipv4 = (from: number) => emit('%d.%d.%d.%d:%d', [byte(from), byte(from + 1), byte(from + 2), byte(from + 3), port])
  // Go's shifts keep the operand's type: widen the bytes first (a byte shifted by 8 is 0).
  const group = (g: number) => byte(2 * g).as('uint16').shl(8).bor(byte(2 * g + 1).as('uint16'))
  const zeroGroups = (from: number, count: number) => {
    const mask = ((1 << count) - 1) << from
    return zeros.band(mask).eq(mask)
  }
  const mappedIPv4 = zeroGroups(0, 5).and(group(5).eq(0xffff))

  const ipv6 = (layouts: readonly Ipv6Layout[]): void => {
    const [layout, ...rest] = layouts
    if (!layout) return
    const print = () => emit(`[${layout.format}]:%d`, [...layout.groups.map(group), port])
    if (!layout.zeroRun) print()
    else when(zeroGroups(layout.zeroRun.start, layout.zeroRun.length), print).otherwise(() => ipv6(rest))
  }

  when(ipLength.eq(4), () => ipv4(0)).otherwise(() => {
    when(ipLength.eq(16), () => {
      when(mappedIPv4, () => ipv4(12)).otherwise(() => ipv6(IPV6_LAYOUTS))
    }).otherwise(() => emit(':%d', [port]))
  })
}

/** How to print an IPv6 address whose `zeroRun` groups are zero: a printf format of `%x`s and the groups it prints. */
export interface Ipv6Layout {
  readonly zeroRun: { readonly start: number; readonly length: number } | undefined
  readonly format: string
  readonly groups: readonly number[]
}

/**
 * Every way to print 8 groups, in the order to try them: the longest zero run first and,
 * among equal lengths, the leftmost (runs of one group are not shortened); the last one
 * prints all 8 groups. The first layout whose run is all zeros is the RFC 5952 form.
 */
export function ipv6Layouts(): Ipv6Layout[] {
  const layouts: Ipv6Layout[] = []
  const part = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k)
  for (let length = 8; length >= 2; length--) {
    for (let start = 0; start + length <= 8; start++) {
      const head = part(0, start)
      const tail = part(start + length, 8)
      const x = (gs: number[]) => gs.map(() => '%x').join(':')
      layouts.push({ zeroRun: { start, length }, format: `${x(head)}::${x(tail)}`, groups: [...head, ...tail] })
    }
  }
  layouts.push({ zeroRun: undefined, format: part(0, 8).map(() => '%x').join(':'), groups: part(0, 8) })
  return layouts
}

const IPV6_LAYOUTS = ipv6Layouts()

/** The number of printf directives that take an argument (`%%` takes none). */
export function countDirectives(format: string): number {
  return [...format.matchAll(/%(-?0?\d*(?:ll|l|z|hh|h)?(?:rx|rh|d|u|x|X|s|r|p|c)|%)/g)].filter((m) => m[1] !== '%').length
}
