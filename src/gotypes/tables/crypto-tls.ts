import type { TypeDeclaration } from './declaration.ts'

/**
 * crypto/tls Config (common.go) and the element types of its slices. Function fields
 * are written `func()`: any func value is one pointer. 1.21 added UnwrapSession and
 * WrapSession and dropped ticketKey.keyName, 1.23 the Encrypted Client Hello list and
 * callback, 1.24 EncryptedClientHelloKeys, 1.25 GetEncryptedClientHelloKeys.
 */
const CONFIG_HEAD = 'Rand io.Reader; Time func(); Certificates []crypto/tls.Certificate; NameToCertificate map[string]*crypto/tls.Certificate; GetCertificate func(); GetClientCertificate func(); GetConfigForClient func(); VerifyPeerCertificate func(); VerifyConnection func(); RootCAs unsafe.Pointer; NextProtos []string; ServerName string; ClientAuth crypto/tls.ClientAuthType; ClientCAs unsafe.Pointer; InsecureSkipVerify bool; CipherSuites []uint16; PreferServerCipherSuites bool; SessionTicketsDisabled bool; SessionTicketKey [32]byte; ClientSessionCache crypto/tls.ClientSessionCache'
const SESSION_HOOKS = 'UnwrapSession func(); WrapSession func()'
const CONFIG_MIDDLE = 'MinVersion uint16; MaxVersion uint16; CurvePreferences []crypto/tls.CurveID; DynamicRecordSizingDisabled bool; Renegotiation crypto/tls.RenegotiationSupport; KeyLogWriter io.Writer'
const ECH = 'EncryptedClientHelloConfigList []byte; EncryptedClientHelloRejectionVerify func()'
const CONFIG_TAIL = 'mutex sync.RWMutex; sessionTicketKeys []crypto/tls.ticketKey; autoSessionTicketKeys []crypto/tls.ticketKey'

export const cryptoTlsDeclarations: readonly TypeDeclaration[] = [
  { name: 'crypto/tls.ClientAuthType', go: [19, 26], text: 'int' },
  { name: 'crypto/tls.CurveID', go: [19, 26], text: 'uint16' },
  { name: 'crypto/tls.SignatureScheme', go: [19, 26], text: 'uint16' },
  { name: 'crypto/tls.RenegotiationSupport', go: [19, 26], text: 'int' },
  { name: 'crypto/tls.ClientSessionCache', go: [19, 26], text: 'interface { Get(sessionKey string) (unsafe.Pointer, bool) }' },
  {
    name: 'crypto/tls.Certificate', go: [19, 26],
    text: 'struct { Certificate [][]byte; PrivateKey crypto.PrivateKey; SupportedSignatureAlgorithms []crypto/tls.SignatureScheme; OCSPStaple []byte; SignedCertificateTimestamps [][]byte; Leaf unsafe.Pointer }',
  },
  { name: 'crypto.PrivateKey', go: [19, 26], text: 'interface {}' },
  { name: 'crypto/tls.ticketKey', go: [19, 20], text: 'struct { keyName [16]byte; aesKey [16]byte; hmacKey [16]byte; created time.Time }' },
  { name: 'crypto/tls.ticketKey', go: [21, 26], text: 'struct { aesKey [16]byte; hmacKey [16]byte; created time.Time }' },
  { name: 'crypto/tls.EncryptedClientHelloKey', go: [24, 26], text: 'struct { Config []byte; PrivateKey []byte; SendAsRetry bool }' },
  { name: 'crypto/tls.Config', go: [19, 20], text: `struct { ${CONFIG_HEAD}; ${CONFIG_MIDDLE}; ${CONFIG_TAIL} }` },
  { name: 'crypto/tls.Config', go: [21, 22], text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${CONFIG_TAIL} }` },
  { name: 'crypto/tls.Config', go: [23, 23], text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${ECH}; ${CONFIG_TAIL} }` },
  {
    name: 'crypto/tls.Config', go: [24, 24],
    text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${ECH}; EncryptedClientHelloKeys []crypto/tls.EncryptedClientHelloKey; ${CONFIG_TAIL} }`,
  },
  {
    name: 'crypto/tls.Config', go: [25, 26],
    text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${ECH}; GetEncryptedClientHelloKeys func(); EncryptedClientHelloKeys []crypto/tls.EncryptedClientHelloKey; ${CONFIG_TAIL} }`,
  },
]
