#ifndef IQKIT_CCRYPTO_SHIM_H
#define IQKIT_CCRYPTO_SHIM_H
// OpenSSL's libcrypto, for SHA-256 only (provenance hashes of inputs).
#include <openssl/evp.h>
#endif
