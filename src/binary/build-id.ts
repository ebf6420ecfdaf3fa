import { Reader, latin1OrUtf8 } from './bytes.ts'
import type { ElfFile } from './elf.ts'

const PT_NOTE = 4
const SHT_NOTE = 7
const NT_GNU_BUILD_ID = 3
const NT_GO_BUILD_ID = 4
const MAX_NOTE_SEGMENT = 1 << 20

export interface BuildIds {
  /** The go command's build id (`.note.go.buildid`), e.g. `abc/def/ghi/jkl`. */
  readonly go?: string
  /** The GNU build id as lower-case hex, when the linker wrote one. */
  readonly gnu?: string
}

/**
 * Reads both build ids from note sections and PT_NOTE segments: the Go linker's PT_NOTE
 * covers only the Go note, and stripped-of-sections files have only the segments.
 */
export function readBuildIds(elf: ElfFile): BuildIds {
  let go: string | undefined
  let gnu: string | undefined
  const areas = [
    ...elf.sections.filter((s) => s.type === SHT_NOTE).map((s) => ({ offset: s.offset, size: s.size })),
    ...elf.segments.filter((p) => p.type === PT_NOTE).map((p) => ({ offset: p.offset, size: p.filesz })),
  ]
  for (const area of areas) {
    if (area.size > MAX_NOTE_SEGMENT) continue
    const r = new Reader(elf.source.read(area.offset, area.size, 'notes'), area.offset, 'notes')
    for (let at = 0; at + 12 <= r.length; ) {
      const namesz = r.u32(at)
      const descsz = r.u32(at + 4)
      const type = r.u32(at + 8)
      // Go pads its note name with NULs inside namesz ("Go\0\0"), GNU counts one ("GNU\0").
      const name = latin1OrUtf8(r.slice(at + 12, namesz)).replace(/\0+$/, '')
      const descAt = at + 12 + align4(namesz)
      const desc = r.slice(descAt, descsz)
      if (name === 'Go' && type === NT_GO_BUILD_ID) go = latin1OrUtf8(desc)
      if (name === 'GNU' && type === NT_GNU_BUILD_ID) gnu = Array.from(desc, (b) => b.toString(16).padStart(2, '0')).join('')
      at = descAt + align4(descsz)
    }
  }
  return { ...(go === undefined ? {} : { go }), ...(gnu === undefined ? {} : { gnu }) }
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4
}
