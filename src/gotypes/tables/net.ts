import type { TypeDeclaration } from './declaration.ts'

/** net (ip.go, iprawsock.go, tcpsock.go): unchanged from 1.19 to 1.27. */
export const netDeclarations: readonly TypeDeclaration[] = [
  { name: 'net.IP', go: [19, 27], text: '[]byte' },
  { name: 'net.IPAddr', go: [19, 27], text: 'struct { IP net.IP; Zone string }' },
  { name: 'net.TCPAddr', go: [19, 27], text: 'struct { IP net.IP; Port int; Zone string }' },
]
