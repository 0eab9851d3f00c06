#ifndef CGNUTLS_SHIM_H
#define CGNUTLS_SHIM_H
/* GnuTLS, the TLS library libmicrohttpd already links: hashing for SigV4
   (SHA-256, HMAC-SHA-256) and the basic-auth cache, and TLS for the HTTP
   client, instead of a second crypto and TLS stack in the binary. */
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <string.h>

/* A non-blocking client session on `fd`: default priorities, the given
   trusted CAs, SNI (unless the host is an IP literal) and verification of
   the server's certificate against `host`, all done by the handshake.
   GnuTLS keeps `host` (not a copy) for the session's lifetime.
   0, or a negative GnuTLS error code. */
static inline int cgnutls_client_session(gnutls_session_t *session, gnutls_certificate_credentials_t credentials,
                                         const char *host, int is_ip_literal, int fd) {
    /* GNUTLS_NO_SIGNAL: writes to a reset connection fail, never raise SIGPIPE. */
    int result = gnutls_init(session, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
    if (result < 0) return result;
    if ((result = gnutls_set_default_priority(*session)) < 0 ||
        (result = gnutls_credentials_set(*session, GNUTLS_CRD_CERTIFICATE, credentials)) < 0) {
        gnutls_deinit(*session);
        return result;
    }
    if (!is_ip_literal) {
        result = gnutls_server_name_set(*session, GNUTLS_NAME_DNS, host, strlen(host));
        if (result < 0) { gnutls_deinit(*session); return result; }
    }
    gnutls_session_set_verify_cert(*session, host, 0);
    gnutls_transport_set_int2(*session, fd, fd);
    return 0;
}

/* Why the certificate was refused, in GnuTLS's words, into `buffer`. */
static inline void cgnutls_verify_problem(gnutls_session_t session, char *buffer, size_t size) {
    buffer[0] = 0;
    unsigned status = gnutls_session_get_verify_cert_status(session);
    gnutls_datum_t text = { NULL, 0 };
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0 && text.data != NULL) {
        size_t length = text.size < size - 1 ? text.size : size - 1;
        memcpy(buffer, text.data, length);
        buffer[length] = 0;
        gnutls_free(text.data);
    }
}
#endif
