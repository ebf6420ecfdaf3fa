import { spawnSync } from 'node:child_process'
import { readFileSync, mkdtempSync, symlinkSync, writeFileSync, chmodSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cgroup2Mount, commandInCgroup, commandProgram, planCommandTracing } from '../../src/cli/traced-command.ts'

describe('-c through a cgroup', () => {
  it('finds the cgroup v2 mount in mountinfo, hybrid and unified layouts, with escaped spaces', () => {
    // Lines as /proc/self/mountinfo has them on this project's CI machine (hybrid) and on systemd hosts (unified).
    const hybrid = [
      '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
      '33 31 0:30 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
      '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n')
    expect(cgroup2Mount(hybrid)).toBe('/sys/fs/cgroup/unified')
    expect(cgroup2Mount('35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate')).toBe('/sys/fs/cgroup')
    expect(cgroup2Mount('35 24 0:30 / /mnt/my\\040cg rw - cgroup2 none rw')).toBe('/mnt/my cg')
    expect(cgroup2Mount('33 31 0:30 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu')).toBeUndefined()
  })

  it('resolves the first word of a command as a shell would: a path, or a name in PATH, through symlinks', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'goprobe-cmd-')))
    const bin = join(dir, 'server')
    writeFileSync(bin, '#!/bin/sh\n')
    chmodSync(bin, 0o755)
    symlinkSync(bin, join(dir, 'link'))
    writeFileSync(join(dir, 'plain'), '')
    expect(commandProgram(`${bin} -port 1`, '')).toBe(bin)
    expect(commandProgram('  server  -port 1', `/nonexistent:${dir}`)).toBe(bin)
    expect(commandProgram(`${dir}/link`, '')).toBe(bin)
    expect(commandProgram('plain', dir)).toBeUndefined()
    expect(commandProgram('timeout 15 ./server', dir)).toBeUndefined()
    expect(commandProgram('', dir)).toBeUndefined()
  })

  it('moves the shell into the cgroup before it runs the command, as sh -c runs it', () => {
    // A plain directory stands in for the cgroup: the shell's pid lands in its cgroup.procs.
    const dir = mkdtempSync(join(tmpdir(), 'goprobe-cg-'))
    const argv = commandInCgroup('echo "a  b"; echo $$', dir)
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' })
    const [words, pid] = r.stdout.split('\n')
    expect(words).toBe('a  b')
    // The command runs in the very process that joined the cgroup (exec, no new process).
    expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim()).toBe(pid)
    expect(r.status).toBe(0)
  })

  it('without cgroup v2: bpftrace\'s own -c for a command starting the binary itself, a refusal with the reason otherwise', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'goprobe-plan-')))
    const bin = join(dir, 'server')
    writeFileSync(bin, '#!/bin/sh\n')
    chmodSync(bin, 0o755)
    const v1Only = '33 31 0:30 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu'
    expect(planCommandTracing(`${bin} -port 1`, bin, v1Only)).toEqual({ kind: 'child' })
    expect(() => planCommandTracing(`timeout 15 ${bin}`, bin, v1Only)).toThrow(
      /^-c: cannot trace .*server when the command starts it through another program \("timeout"\): that needs a cgroup v2 directory goprobe can create, and no cgroup v2 hierarchy is mounted\. Start the binary itself with -c, or start the command yourself and pass the binary's pid with -p$/,
    )
    // A cgroup2 mount where no directory can be made is refused the same way, naming the directory.
    expect(() => planCommandTracing(`sh -c ${bin}`, bin, `41 31 0:38 / ${bin} rw - cgroup2 cgroup2 rw`)).toThrow(/server\/goprobe-\d+ cannot be created \(ENOTDIR\)/)
  })
})
