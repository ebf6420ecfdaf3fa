// go-bpf-gen, goprobe's predecessor (github.com/stevenjohnstone/go-bpf-gen): a Go program that
// fills bpftrace templates (latency, httpsnoop, tlssecrets, ...) with RET offsets from `.symtab`.
// Found, in order: $GOPROBE_BENCH_GO_BPF_GEN; a copy `go install`ed into the bench cache; a fresh
// `go install ...@latest` into that cache. When none works the bench says so and goes on.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { benchCache } from './cache.ts'

export const GO_BPF_GEN_MODULE = 'github.com/stevenjohnstone/go-bpf-gen'

export type GoBpfGen = { readonly path: string; readonly from: string } | { readonly missing: string }

export function findGoBpfGen(): GoBpfGen {
  const explicit = process.env.GOPROBE_BENCH_GO_BPF_GEN
  if (explicit) return existsSync(explicit) ? { path: explicit, from: '$GOPROBE_BENCH_GO_BPF_GEN' } : { missing: `$GOPROBE_BENCH_GO_BPF_GEN=${explicit} does not exist` }
  const gobin = join(benchCache(), 'go-bpf-gen')
  const cached = join(gobin, 'go-bpf-gen')
  if (existsSync(cached)) return { path: cached, from: `go install ${GO_BPF_GEN_MODULE}@latest (cached in ${gobin})` }
  process.stderr.write(`bench: go install ${GO_BPF_GEN_MODULE}@latest into ${gobin}\n`)
  const r = spawnSync('go', ['install', `${GO_BPF_GEN_MODULE}@latest`], {
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' }, encoding: 'utf8', timeout: 300_000,
  })
  if (r.status === 0 && existsSync(cached)) return { path: cached, from: `go install ${GO_BPF_GEN_MODULE}@latest (into ${gobin})` }
  const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]
  return { missing: `go install ${GO_BPF_GEN_MODULE}@latest failed: ${why}; set GOPROBE_BENCH_GO_BPF_GEN=/path/to/go-bpf-gen to compare` }
}

/** go-bpf-gen's template equivalent to each goprobe probe (its embedded templates/<name>.bt). */
export function goBpfGenArgv(gen: string, probe: 'latency' | 'httpsnoop' | 'tlssecrets', binary: string, params: readonly string[]): string[] {
  return [gen, `templates/${probe}.bt`, binary, ...params]
}
