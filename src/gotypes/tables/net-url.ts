import type { TypeDeclaration } from './declaration.ts'

/** net/url (url.go). Go 1.26 reordered URL's fields to pack the two bools at the end. */
export const netUrlDeclarations: readonly TypeDeclaration[] = [
  { name: 'net/url.Userinfo', go: [19, 27], text: 'struct { username string; password string; passwordSet bool }' },
  { name: 'net/url.Values', go: [19, 27], text: 'map[string][]string' },
  {
    name: 'net/url.URL', go: [19, 25],
    text: 'struct { Scheme string; Opaque string; User *net/url.Userinfo; Host string; Path string; RawPath string; OmitHost bool; ForceQuery bool; RawQuery string; Fragment string; RawFragment string }',
  },
  {
    name: 'net/url.URL', go: [26, 27],
    text: 'struct { Scheme string; Opaque string; User *net/url.Userinfo; Host string; Path string; Fragment string; RawQuery string; RawPath string; RawFragment string; ForceQuery bool; OmitHost bool }',
  },
]
