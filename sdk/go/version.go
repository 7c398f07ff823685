package expacti

// Version is the SDK's version, sent in the handshake's User-Agent.
const Version = "0.1.0"
