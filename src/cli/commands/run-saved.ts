import { parseArgs } from 'node:util'
import { UsageError } from '../../errors.ts'
import { runBpftrace } from '../bpftrace-runner.ts'
import { pathForProcess } from '../process-check.ts'
import { perfPagesOption } from '../probe-cli.ts'
import { checkSavedBinary, readSavedProgram } from '../saved-program.ts'

export const RUN_SAVED_USAGE = 'goprobe run <file.bt> [-p PID | -c CMD] [--bpftrace PATH] [--perf-pages N]'

/** `goprobe run saved.bt`: check the build the program names, then run it under bpftrace. */
export async function runSavedCommand(file: string, argv: readonly string[]): Promise<number> {
  let values
  try {
    values = parseArgs({
      args: [...argv], allowPositionals: false, strict: true,
      options: { pid: { type: 'string', short: 'p' }, command: { type: 'string', short: 'c' }, bpftrace: { type: 'string' }, 'perf-pages': { type: 'string' } },
    }).values
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\nusage: ${RUN_SAVED_USAGE}`)
  }
  const pid = values.pid === undefined ? undefined : Number(values.pid)
  if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0)) throw new UsageError(`--pid must be a positive integer, got ${JSON.stringify(values.pid)}`)
  const perfPages = perfPagesOption(values['perf-pages'])
  const saved = readSavedProgram(file)
  checkSavedBinary(file, saved)
  // The program names the binary's path in its probes: a process must run that very file.
  if (pid !== undefined && pathForProcess(pid, saved.binary, saved.buildId) !== saved.binary) {
    throw new UsageError(`-p ${pid}: the process runs a file that has since been replaced at ${saved.binary}; a saved program attaches by that path, so run the probe by name instead (goprobe run <probe> ${saved.binary} -p ${pid})`)
  }
  return runBpftrace({
    bpftrace: values.bpftrace ?? (process.env.GOPROBE_BPFTRACE || saved.bpftrace),
    text: saved.text,
    requirements: { unsafe: saved.unsafe, env: saved.env, kernelBtf: false, symbolOffsetProbes: false, fileOffsetProbes: false },
    ...(values.command === undefined ? {} : { command: values.command }),
    ...(pid === undefined ? {} : { pid }),
    ...(perfPages === undefined ? {} : { perfPages }),
  })
}
