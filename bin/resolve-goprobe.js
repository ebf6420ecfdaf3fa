// Module resolution hook: 'goprobe' and 'goprobe/...' resolve to this installation,
// so a probe written anywhere can be compiled with `goprobe compile ./my-probe.ts`.
// Probe modules are ES modules even where no package.json says "type": "module"
// (a lone file in a home directory), so TypeScript files are always loaded as ESM.
const root = new URL('../', import.meta.url)

export async function resolve(specifier, context, next) {
  let target = specifier
  if (specifier === 'goprobe') target = new URL('src/index.ts', root).href
  else if (specifier.startsWith('goprobe/stdlib/')) target = new URL(`${specifier.slice('goprobe/'.length)}.ts`, root).href
  const resolved = await next(target, context)
  if (/\.m?ts$/.test(new URL(resolved.url).pathname) && resolved.format !== 'module') return { ...resolved, format: 'module' }
  return resolved
}
