// Loaded with --import by bench/run.ts: reports the process's peak resident memory at exit.
process.on('exit', () => process.stderr.write(`\ngoprobe-bench-maxrss-kb=${process.resourceUsage().maxRSS}\n`))
