// capstone-wasm ships typings its package.json "exports" map does not expose to
// NodeNext resolution; these declare the part of its API goprobe uses.
declare module 'capstone-wasm' {
  export interface Insn {
    id: number
    address: number | bigint
    size: number
    bytes: Uint8Array
    mnemonic: string
    opStr: string
  }
  export class Capstone {
    constructor(arch: number, mode: number)
    disasm(data: Uint8Array, options?: { address?: number | bigint; count?: number }): Insn[]
    close(): void
  }
  export const Const: { readonly CS_ARCH_X86: number; readonly CS_MODE_64: number }
  export function loadCapstone(args?: Record<string, unknown>): Promise<void>
}
