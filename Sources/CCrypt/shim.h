#ifndef CCRYPT_SHIM_H
#define CCRYPT_SHIM_H
/* libxcrypt (Debian's libcrypt): crypt_r verifies bcrypt ($2y$, $2b$) hashes. */
#include <crypt.h>
#endif
