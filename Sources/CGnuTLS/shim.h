#ifndef CGNUTLS_SHIM_H
#define CGNUTLS_SHIM_H
/* GnuTLS's hashing, for SigV4 (SHA-256, HMAC-SHA-256) and the basic-auth
   cache: the library libmicrohttpd already links, instead of a second
   crypto library in the binary. */
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#endif
