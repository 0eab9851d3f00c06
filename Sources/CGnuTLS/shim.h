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

/* The transport of a session tunnelled inside another (TLS to the target
   through a CONNECT tunnel in TLS to an https:// proxy): its records are
   written and read through the outer session. GnuTLS reads errno when these
   return -1; "would block" is EAGAIN, the end of the outer stream is 0. */
#include <errno.h>
#include <poll.h>
static ssize_t cgnutls_tunnel_push(gnutls_transport_ptr_t outer, const void *data, size_t size) {
    ssize_t sent = gnutls_record_send((gnutls_session_t)outer, data, size);
    if (sent >= 0) return sent;
    errno = (sent == GNUTLS_E_AGAIN || sent == GNUTLS_E_INTERRUPTED) ? EAGAIN : EIO;
    return -1;
}
static ssize_t cgnutls_tunnel_pull(gnutls_transport_ptr_t outer, void *data, size_t size) {
    ssize_t got = gnutls_record_recv((gnutls_session_t)outer, data, size);
    if (got >= 0) return got;
    if (got == GNUTLS_E_PREMATURE_TERMINATION) return 0;
    errno = (got == GNUTLS_E_AGAIN || got == GNUTLS_E_INTERRUPTED) ? EAGAIN : EIO;
    return -1;
}
static int cgnutls_tunnel_pull_timeout(gnutls_transport_ptr_t outer, unsigned int ms) {
    if (gnutls_record_check_pending((gnutls_session_t)outer) > 0) return 1;
    struct pollfd entry = { gnutls_transport_get_int((gnutls_session_t)outer), POLLIN, 0 };
    int ready = poll(&entry, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
    return ready < 0 ? -1 : ready;
}

/* Like cgnutls_client_session, on top of `outer` instead of a socket. */
static inline int cgnutls_client_session_tunnelled(gnutls_session_t *session, gnutls_certificate_credentials_t credentials,
                                                   const char *host, int is_ip_literal, gnutls_session_t outer) {
    int result = cgnutls_client_session(session, credentials, host, is_ip_literal, -1);
    if (result < 0) return result;
    gnutls_transport_set_ptr(*session, outer);
    gnutls_transport_set_push_function(*session, cgnutls_tunnel_push);
    gnutls_transport_set_pull_function(*session, cgnutls_tunnel_pull);
    gnutls_transport_set_pull_timeout_function(*session, cgnutls_tunnel_pull_timeout);
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
