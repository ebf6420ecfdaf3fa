import { Capstone, Const, loadCapstone, type Insn } from 'capstone-wasm'

export interface Instruction {
  readonly address: number
  readonly size: number
  readonly mnemonic: string
  readonly operands: string
}

let engine: Promise<Capstone> | undefined

/** The x86-64 decoder, instantiated once on first use (the WebAssembly module is ~2 MB). */
function decoder(): Promise<Capstone> {
  return (engine ??= loadCapstone().then(() => new Capstone(Const.CS_ARCH_X86, Const.CS_MODE_64)))
}

/**
 * Decode `code` (located at `address`) by linear sweep. Decoding stops at the first
 * byte sequence capstone cannot decode; `complete` says whether the sweep reached the
 * end, so callers never treat undecoded bytes as instruction boundaries.
 */
export async function disassemble(code: Uint8Array, address: number): Promise<{ instructions: Instruction[]; complete: boolean }> {
  const cs = await decoder()
  const instructions: Instruction[] = []
  let offset = 0
  while (offset < code.length) {
    let chunk: Insn[]
    try {
      chunk = cs.disasm(code.subarray(offset), { address: address + offset })
    } catch {
      // capstone-wasm throws, rather than returning nothing, when the first bytes do not decode.
      break
    }
    if (chunk.length === 0) break
    for (const insn of chunk) {
      instructions.push({ address: Number(insn.address), size: insn.size, mnemonic: insn.mnemonic, operands: insn.opStr })
    }
    const last = chunk[chunk.length - 1]!
    offset = Number(last.address) + last.size - address
  }
  return { instructions, complete: offset >= code.length }
}
