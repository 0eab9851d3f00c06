#ifndef CMICROHTTPD_SHIM_H
#define CMICROHTTPD_SHIM_H
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <stdio.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

/* MHD_get_connection_info is variadic, which Swift does not import. */

/* The connection's socket, or -1. */
static inline int cmhd_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info == NULL ? -1 : info->connect_fd;
}

/* Bytes of the request line and headers as received, or 0. */
static inline size_t cmhd_request_header_size(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return info == NULL ? 0 : info->header_size;
}

/* The client's address as text into `buffer` (at least 64 bytes); 0 on success. */
static inline int cmhd_client_address(struct MHD_Connection *connection, char *buffer, socklen_t size) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buffer[0] = 0;
    if (info == NULL || info->client_addr == NULL) return -1;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, buffer, size) ? 0 : -1;
    if (address->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, buffer, size) ? 0 : -1;
    return -1;
}

/* libmicrohttpd's error log, formatted here (Swift cannot take a va_list
   callback's format) and handed to `sink` one message at a time. */
typedef void (*cmhd_log_sink)(void *context, const char *message);
struct cmhd_logger {
    cmhd_log_sink sink;
    void *context;
};
static void cmhd_log_adapter(void *cls, const char *format, va_list arguments) {
    struct cmhd_logger *logger = (struct cmhd_logger *)cls;
    char message[1024];
    vsnprintf(message, sizeof message, format, arguments);
    logger->sink(logger->context, message);
}
static inline MHD_LogCallback cmhd_log_adapter_pointer(void) {
    return cmhd_log_adapter;
}

/* What the client's certificate on a TLS connection amounts to. */
enum cmhd_client_certificate {
    CMHD_CLIENT_CERT_NO_TLS = -1,   /* not a TLS connection */
    CMHD_CLIENT_CERT_NONE = 0,      /* no certificate presented */
    CMHD_CLIENT_CERT_VALID = 1,     /* presented and verified against the trusted CAs */
    CMHD_CLIENT_CERT_INVALID = 2,   /* presented but not verified; see *status */
};

/* Checks the peer certificate of a TLS connection. `status` receives GnuTLS's
   verification flags (GNUTLS_CERT_EXPIRED, GNUTLS_CERT_SIGNER_NOT_FOUND, ...). */
static inline int cmhd_client_certificate(struct MHD_Connection *connection, unsigned int *status) {
    *status = 0;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (info == NULL || info->tls_session == NULL) return CMHD_CLIENT_CERT_NO_TLS;
    gnutls_session_t session = (gnutls_session_t)info->tls_session;
    unsigned int count = 0;
    if (gnutls_certificate_get_peers(session, &count) == NULL || count == 0) return CMHD_CLIENT_CERT_NONE;
    if (gnutls_certificate_verify_peers2(session, status) != 0) {
        if (*status == 0) *status = GNUTLS_CERT_INVALID;
        return CMHD_CLIENT_CERT_INVALID;
    }
    return *status == 0 ? CMHD_CLIENT_CERT_VALID : CMHD_CLIENT_CERT_INVALID;
}

/* Loads a PEM certificate chain and key as MHD will, so that start-up can say
   what is wrong: 0, or a negative GnuTLS error code for gnutls_strerror. */
static inline int cmhd_check_key_pair(const char *cert, const char *key) {
    gnutls_certificate_credentials_t credentials;
    if (gnutls_certificate_allocate_credentials(&credentials) != 0) return GNUTLS_E_MEMORY_ERROR;
    gnutls_datum_t certDatum = { (unsigned char *)cert, (unsigned int)__builtin_strlen(cert) };
    gnutls_datum_t keyDatum = { (unsigned char *)key, (unsigned int)__builtin_strlen(key) };
    int result = gnutls_certificate_set_x509_key_mem(credentials, &certDatum, &keyDatum, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(credentials);
    return result < 0 ? result : 0;
}

/* Loads PEM CA certificates: how many, or a negative GnuTLS error code. */
static inline int cmhd_check_trust(const char *ca) {
    gnutls_certificate_credentials_t credentials;
    if (gnutls_certificate_allocate_credentials(&credentials) != 0) return GNUTLS_E_MEMORY_ERROR;
    gnutls_datum_t datum = { (unsigned char *)ca, (unsigned int)__builtin_strlen(ca) };
    int result = gnutls_certificate_set_x509_trust_mem(credentials, &datum, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(credentials);
    return result;
}

/* Checks a GnuTLS priority string (built from min_version and max_version). */
static inline int cmhd_check_priorities(const char *priorities) {
    gnutls_priority_t cache;
    int result = gnutls_priority_init(&cache, priorities, NULL);
    if (result == 0) gnutls_priority_deinit(cache);
    return result;
}
/* A certificate chain and key for MHD_OPTION_HTTPS_CERT_CALLBACK, so that the
   server can change them while it runs (renewed certificates). */
#define CMHD_MAX_CHAIN 16
struct cmhd_credential {
    gnutls_pcert_st chain[CMHD_MAX_CHAIN];
    unsigned int count;
    gnutls_privkey_t key;
};

static inline void cmhd_credential_free(struct cmhd_credential *credential) {
    if (credential == NULL) return;
    for (unsigned int index = 0; index < credential->count; index++) gnutls_pcert_deinit(&credential->chain[index]);
    if (credential->key != NULL) gnutls_privkey_deinit(credential->key);
    free(credential);
}

/* Loads PEM `cert` (chain, server certificate first) and `key`, checked to
   match: 0 and *out, or a negative GnuTLS error code for gnutls_strerror. */
static inline int cmhd_credential_load(const char *cert, const char *key, struct cmhd_credential **out) {
    *out = NULL;
    int result = cmhd_check_key_pair(cert, key);
    if (result < 0) return result;
    struct cmhd_credential *credential = calloc(1, sizeof *credential);
    if (credential == NULL) return GNUTLS_E_MEMORY_ERROR;
    gnutls_datum_t certDatum = { (unsigned char *)cert, (unsigned int)__builtin_strlen(cert) };
    gnutls_datum_t keyDatum = { (unsigned char *)key, (unsigned int)__builtin_strlen(key) };
    unsigned int count = CMHD_MAX_CHAIN;
    /* In the file's order: the check above, like MHD's own loading, has
       already required the server certificate (the key's) first. */
    result = gnutls_pcert_list_import_x509_raw(credential->chain, &count, &certDatum, GNUTLS_X509_FMT_PEM, 0);
    if (result < 0) { free(credential); return result; }
    credential->count = count;
    if ((result = gnutls_privkey_init(&credential->key)) < 0
        || (result = gnutls_privkey_import_x509_raw(credential->key, &keyDatum, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        cmhd_credential_free(credential);
        return result;
    }
    *out = credential;
    return 0;
}

/* The chain as GnuTLS's certificate callback hands it over. */
static inline gnutls_pcert_st *cmhd_credential_chain(struct cmhd_credential *credential) {
    return credential->chain;
}

/* The socket context (set when MHD notified the connection's start) of the
   connection a TLS session belongs to: MHD sets the session's pointer to the
   connection before the handshake. NULL when there is none. */
static inline void *cmhd_session_socket_context(gnutls_session_t session) {
    struct MHD_Connection *connection = (struct MHD_Connection *)gnutls_session_get_ptr(session);
    if (connection == NULL) return NULL;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}
/* The socket context of a connection (what the connection-start notification set), or NULL. */
static inline void *cmhd_connection_socket_context(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info == NULL ? NULL : info->socket_context;
}

/* The TLS session of a connection, or NULL for plain HTTP. */
static inline gnutls_session_t cmhd_connection_session(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return info == NULL ? NULL : (gnutls_session_t)info->tls_session;
}

/* Credentials for one generation of the web config's TLS settings: the
   certificate comes from `retrieve` at each handshake, and `ca` (PEM, may be
   NULL) is what client certificates are verified against and what the
   certificate request names; without it and with `system_trust`, the
   system's trusted CAs (none found is GNUTLS_E_NO_CERTIFICATE_FOUND).
   0 and *out, or a negative GnuTLS error code. */
static inline int cmhd_credentials_new(const char *ca, int system_trust, gnutls_certificate_retrieve_function2 *retrieve,
                                       gnutls_certificate_credentials_t *out) {
    *out = NULL;
    gnutls_certificate_credentials_t credentials;
    int result = gnutls_certificate_allocate_credentials(&credentials);
    if (result < 0) return result;
    if (ca != NULL) {
        gnutls_datum_t datum = { (unsigned char *)ca, (unsigned int)__builtin_strlen(ca) };
        result = gnutls_certificate_set_x509_trust_mem(credentials, &datum, GNUTLS_X509_FMT_PEM);
        if (result < 0) { gnutls_certificate_free_credentials(credentials); return result; }
    } else if (system_trust) {
        /* Go verifies client certificates against the system roots when no
           client CAs are given; so does this. */
        result = gnutls_certificate_set_x509_system_trust(credentials);
        if (result == 0) result = GNUTLS_E_NO_CERTIFICATE_FOUND;
        if (result < 0) { gnutls_certificate_free_credentials(credentials); return result; }
    }
    gnutls_certificate_set_retrieve_function2(credentials, retrieve);
    *out = credentials;
    return 0;
}

/* Puts a session, before its handshake, under one generation's settings:
   priorities, credentials, whether a client certificate is ignored (0),
   requested (1) or required (2), whether the certificate request names no
   CA (`name_no_cas`, for the system's CAs, as Go), and the function that
   checks the certificate on receipt. 0, or a negative GnuTLS error code. */
static inline int cmhd_session_configure(gnutls_session_t session, gnutls_priority_t priorities,
                                         gnutls_certificate_credentials_t credentials, int request,
                                         int name_no_cas, gnutls_certificate_verify_function *verify) {
    int result = gnutls_priority_set(session, priorities);
    if (result < 0) return result;
    result = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, credentials);
    if (result < 0) return result;
    gnutls_certificate_server_set_request(session, request == 2 ? GNUTLS_CERT_REQUIRE : request == 1 ? GNUTLS_CERT_REQUEST : GNUTLS_CERT_IGNORE);
    /* Under the system roots, Go names no CA in its certificate request (and
       a list of every system root would not fit in one). */
    if (name_no_cas) gnutls_certificate_send_x509_rdn_sequence(session, 1);
    if (request != 0 && verify != NULL) gnutls_session_set_verify_function(session, verify);
    return 0;
}

/* The DER of the peer's own certificate (the first it sent), or NULL when it sent none. */
static inline const gnutls_datum_t *cmhd_peer_certificate(gnutls_session_t session) {
    unsigned int count = 0;
    const gnutls_datum_t *list = gnutls_certificate_get_peers(session, &count);
    return (list == NULL || count == 0) ? NULL : &list[0];
}

/* Verifies the peer's certificate against the session's trusted CAs, for
   client authentication (a certificate naming key purposes must name TLS
   client authentication): 0 and *status (0 when trusted), or a GnuTLS error. */
static inline int cmhd_verify_client_certificate(gnutls_session_t session, unsigned int *status) {
    gnutls_typed_vdata_st purpose = { GNUTLS_DT_KEY_PURPOSE_OID, (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT, 0 };
    *status = 0;
    return gnutls_certificate_verify_peers(session, &purpose, 1, status);
}

/* A GnuTLS priority string checked: 0, or a negative error code and the
   offset in `priorities` where GnuTLS stopped. */
static inline int cmhd_priorities_check(const char *priorities, int *offset) {
    gnutls_priority_t cache;
    const char *error = NULL;
    *offset = -1;
    int result = gnutls_priority_init(&cache, priorities, &error);
    if (result < 0) {
        if (error != NULL) *offset = (int)(error - priorities);
        return result;
    }
    gnutls_priority_deinit(cache);
    return 0;
}

/* The cipher suites a priority string enables, one by one: call with index
   0, 1, ... until it returns 0; returns 1 and fills the suite's GnuTLS
   name (kx, cipher and MAC) and its minimum version (GnuTLS's numbering),
   or -1 for an index to skip. */
static inline int cmhd_priority_suite(gnutls_priority_t cache, unsigned int index, const char **kx, const char **cipher,
                                      const char **mac, int *version) {
    unsigned int suite;
    int result = gnutls_priority_get_cipher_suite_index(cache, index, &suite);
    if (result == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) return 0;
    if (result < 0) return -1;
    unsigned char id[2];
    gnutls_kx_algorithm_t kxAlgorithm;
    gnutls_cipher_algorithm_t cipherAlgorithm;
    gnutls_mac_algorithm_t macAlgorithm;
    gnutls_protocol_t minimum;
    if (gnutls_cipher_suite_info(suite, id, &kxAlgorithm, &cipherAlgorithm, &macAlgorithm, &minimum) == NULL) return -1;
    *kx = kxAlgorithm == 0 ? "" : gnutls_kx_get_name(kxAlgorithm);
    *cipher = gnutls_cipher_get_name(cipherAlgorithm);
    *mac = gnutls_mac_get_name(macAlgorithm);
    if (*kx == NULL) *kx = "";
    if (*cipher == NULL) *cipher = "";
    if (*mac == NULL) *mac = "";
    *version = (int)minimum;
    return 1;
}
#endif
