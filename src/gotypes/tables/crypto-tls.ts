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

/**
 * crypto/tls Conn and halfConn (conn.go). Pointers to x509 certificates, quicState and
 * activeCert are written unsafe.Pointer. 1.20 made the handshake flag an atomic.Bool
 * (was handshakeStatus uint32) and activeCall an atomic.Int32, and added
 * activeCertHandles; 1.21 added quic and extMasterSecret to Conn and the QUIC level to
 * halfConn; 1.23 didHRR, curveID and echAccepted; 1.25 peerSigAlg, and dropped
 * activeCertHandles; 1.27 localCertificate.
 */
const CONN_HEAD = 'conn net.Conn; isClient bool; handshakeFn func()'
const CONN_HANDSHAKE = 'handshakeMutex sync.Mutex; handshakeErr error; vers uint16; haveVers bool; config *crypto/tls.Config; handshakes int'
const CONN_PEER = 'ocspResponse []byte; scts [][]byte; peerCertificates []unsafe.Pointer'
const CONN_SESSION = 'verifiedChains [][]unsafe.Pointer; serverName string; secureRenegotiation bool; ekm func(); resumptionSecret []byte'
const CONN_RECORDS = 'ticketKeys []crypto/tls.ticketKey; clientFinishedIsFirst bool; closeNotifyErr error; closeNotifySent bool; clientFinished [12]byte; serverFinished [12]byte; clientProtocol string; in, out crypto/tls.halfConn; rawInput bytes.Buffer; input bytes.Reader; hand bytes.Buffer; buffering bool; sendBuf []byte; bytesSent int64; packetsSent int64; retryCount int'
const CONN_ATOMICS_TAIL = `${CONN_RECORDS}; activeCall sync/atomic.Int32; tmp [16]byte`
const HALF_CONN_HEAD = 'sync.Mutex; err error; version uint16; cipher any; mac hash.Hash; seq [8]byte; scratchBuf [13]byte; nextCipher any; nextMac hash.Hash'

export const cryptoTlsDeclarations: readonly TypeDeclaration[] = [
  { name: 'crypto/tls.ClientAuthType', go: [19, 27], text: 'int' },
  { name: 'crypto/tls.CurveID', go: [19, 27], text: 'uint16' },
  { name: 'crypto/tls.SignatureScheme', go: [19, 27], text: 'uint16' },
  { name: 'crypto/tls.RenegotiationSupport', go: [19, 27], text: 'int' },
  { name: 'crypto/tls.ClientSessionCache', go: [19, 27], text: 'interface { Get(sessionKey string) (unsafe.Pointer, bool) }' },
  {
    name: 'crypto/tls.Certificate', go: [19, 27],
    text: 'struct { Certificate [][]byte; PrivateKey crypto.PrivateKey; SupportedSignatureAlgorithms []crypto/tls.SignatureScheme; OCSPStaple []byte; SignedCertificateTimestamps [][]byte; Leaf unsafe.Pointer }',
  },
  { name: 'crypto.PrivateKey', go: [19, 27], text: 'interface {}' },
  { name: 'crypto/tls.ticketKey', go: [19, 20], text: 'struct { keyName [16]byte; aesKey [16]byte; hmacKey [16]byte; created time.Time }' },
  { name: 'crypto/tls.ticketKey', go: [21, 27], text: 'struct { aesKey [16]byte; hmacKey [16]byte; created time.Time }' },
  { name: 'crypto/tls.EncryptedClientHelloKey', go: [24, 27], text: 'struct { Config []byte; PrivateKey []byte; SendAsRetry bool }' },
  { name: 'crypto/tls.Config', go: [19, 20], text: `struct { ${CONFIG_HEAD}; ${CONFIG_MIDDLE}; ${CONFIG_TAIL} }` },
  { name: 'crypto/tls.Config', go: [21, 22], text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${CONFIG_TAIL} }` },
  { name: 'crypto/tls.Config', go: [23, 23], text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${ECH}; ${CONFIG_TAIL} }` },
  {
    name: 'crypto/tls.Config', go: [24, 24],
    text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${ECH}; EncryptedClientHelloKeys []crypto/tls.EncryptedClientHelloKey; ${CONFIG_TAIL} }`,
  },
  {
    name: 'crypto/tls.Config', go: [25, 27],
    text: `struct { ${CONFIG_HEAD}; ${SESSION_HOOKS}; ${CONFIG_MIDDLE}; ${ECH}; GetEncryptedClientHelloKeys func(); EncryptedClientHelloKeys []crypto/tls.EncryptedClientHelloKey; ${CONFIG_TAIL} }`,
  },
  { name: 'crypto/tls.QUICEncryptionLevel', go: [21, 27], text: 'int' },
  { name: 'crypto/tls.halfConn', go: [19, 20], text: `struct { ${HALF_CONN_HEAD}; trafficSecret []byte }` },
  { name: 'crypto/tls.halfConn', go: [21, 27], text: `struct { ${HALF_CONN_HEAD}; level crypto/tls.QUICEncryptionLevel; trafficSecret []byte }` },
  {
    name: 'crypto/tls.Conn', go: [19, 19],
    text: `struct { ${CONN_HEAD}; handshakeStatus uint32; ${CONN_HANDSHAKE}; didResume bool; cipherSuite uint16; ${CONN_PEER}; ${CONN_SESSION}; ${CONN_RECORDS}; activeCall int32; tmp [16]byte }`,
  },
  {
    name: 'crypto/tls.Conn', go: [20, 20],
    text: `struct { ${CONN_HEAD}; isHandshakeComplete sync/atomic.Bool; ${CONN_HANDSHAKE}; didResume bool; cipherSuite uint16; ${CONN_PEER}; activeCertHandles []unsafe.Pointer; ${CONN_SESSION}; ${CONN_ATOMICS_TAIL} }`,
  },
  {
    name: 'crypto/tls.Conn', go: [21, 22],
    text: `struct { ${CONN_HEAD}; quic unsafe.Pointer; isHandshakeComplete sync/atomic.Bool; ${CONN_HANDSHAKE}; extMasterSecret bool; didResume bool; cipherSuite uint16; ${CONN_PEER}; activeCertHandles []unsafe.Pointer; ${CONN_SESSION}; ${CONN_ATOMICS_TAIL} }`,
  },
  {
    name: 'crypto/tls.Conn', go: [23, 24],
    text: `struct { ${CONN_HEAD}; quic unsafe.Pointer; isHandshakeComplete sync/atomic.Bool; ${CONN_HANDSHAKE}; extMasterSecret bool; didResume bool; didHRR bool; cipherSuite uint16; curveID crypto/tls.CurveID; ${CONN_PEER}; activeCertHandles []unsafe.Pointer; ${CONN_SESSION}; echAccepted bool; ${CONN_ATOMICS_TAIL} }`,
  },
  {
    name: 'crypto/tls.Conn', go: [25, 26],
    text: `struct { ${CONN_HEAD}; quic unsafe.Pointer; isHandshakeComplete sync/atomic.Bool; ${CONN_HANDSHAKE}; extMasterSecret bool; didResume bool; didHRR bool; cipherSuite uint16; curveID crypto/tls.CurveID; peerSigAlg crypto/tls.SignatureScheme; ${CONN_PEER}; ${CONN_SESSION}; echAccepted bool; ${CONN_ATOMICS_TAIL} }`,
  },
  {
    name: 'crypto/tls.Conn', go: [27, 27],
    text: `struct { ${CONN_HEAD}; quic unsafe.Pointer; isHandshakeComplete sync/atomic.Bool; ${CONN_HANDSHAKE}; extMasterSecret bool; didResume bool; didHRR bool; cipherSuite uint16; curveID crypto/tls.CurveID; peerSigAlg crypto/tls.SignatureScheme; ${CONN_PEER}; localCertificate [][]byte; ${CONN_SESSION}; echAccepted bool; ${CONN_ATOMICS_TAIL} }`,
  },
]
