/* SPDX-License-Identifier: Apache-2.0 */
#include "kafka/suites.h"

#include <openssl/bio.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/err.h"
#include "common/log.h"

/* The longest list tls.ciphersuites takes (config/conf.c). */
#define KF__SUITES_MAX 256

static pthread_mutex_t kf__lock = PTHREAD_MUTEX_INITIALIZER;
/* What OpenSSL's configuration holds from us; "" before the first call. */
static char kf__ours[KF__SUITES_MAX + 1];
/* The system's configuration had a policy: it is left alone for good. */
static int kf__system_policy;

/* The first OpenSSL error, for a message; clears the queue. */
static const char *kf__ssl_why(char *buf, size_t cap)
{
	unsigned long e = ERR_get_error();

	if (e)
		ERR_error_string_n(e, buf, cap);
	else
		snprintf(buf, cap, "no detail from OpenSSL");
	ERR_clear_error();
	return buf;
}

/* Whether every name of suites is a TLS 1.3 suite OpenSSL has. */
static int kf__known(const char *suites, char *errstr, size_t errstr_size)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	char why[256];
	int ok;

	if (!ctx)
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "tls.ciphersuites: cannot make an OpenSSL "
				 "context: %s",
				 kf__ssl_why(why, sizeof(why)));
	ok = SSL_CTX_set_ciphersuites(ctx, suites);
	SSL_CTX_free(ctx);
	if (!ok)
		return kf_seterr(
			errstr, errstr_size, KF_EINVAL,
			"tls.ciphersuites = %s: OpenSSL does not know "
			"every name as a TLS 1.3 suite (%s); use names "
			"such as TLS_AES_128_GCM_SHA256 or "
			"TLS_AES_256_GCM_SHA384",
			suites, kf__ssl_why(why, sizeof(why)));
	return 0;
}

/* Whether OpenSSL's configuration gives new contexts settings of their own
 * ("system_default": a distribution's crypto policy). */
static int kf__has_policy(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	int has;

	if (!ctx)
		return 0;
	/* 0 and an error queued when no such section exists */
	has = SSL_CTX_config(ctx, "system_default") == 1;
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return has;
}

/* Gives OpenSSL a configuration whose "system_default" is our suites: the
 * settings SSL_CTX_new applies to every context. suites is checked by
 * config/conf.c to hold letters, digits, '_' and ':' only, so it cannot
 * add lines or sections to the text. */
static int kf__load(const char *suites, char *errstr, size_t errstr_size)
{
	char text[KF__SUITES_MAX + 160], why[256];
	BIO *bio;
	CONF *cnf;
	long line = 0;
	int ok;

	snprintf(text, sizeof(text),
		 "kferry = kf_init\n[kf_init]\nssl_conf = kf_ssl\n"
		 "[kf_ssl]\nsystem_default = kf_tls\n"
		 "[kf_tls]\nCiphersuites = %s\n",
		 suites);
	bio = BIO_new_mem_buf(text, -1);
	cnf = NCONF_new(NULL);
	ok = bio && cnf && NCONF_load_bio(cnf, bio, &line) > 0 &&
	     CONF_modules_load(cnf, "kferry", 0) > 0;
	NCONF_free(cnf);
	BIO_free(bio);
	if (!ok)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "tls.ciphersuites = %s: OpenSSL refused the "
				 "setting: %s",
				 suites, kf__ssl_why(why, sizeof(why)));
	return 0;
}

static int kf__apply(const char *suites, char *errstr, size_t errstr_size)
{
	if (strlen(suites) > KF__SUITES_MAX)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "tls.ciphersuites: at most %d bytes",
				 KF__SUITES_MAX);
	if (kf__known(suites, errstr, errstr_size))
		return KF_EINVAL;
	if (kf__system_policy || !strcmp(kf__ours, suites))
		return 0;
	if (!kf__ours[0] && kf__has_policy()) {
		kf__system_policy = 1;
		kf_info("kafka",
			"tls.ciphersuites = %s is not applied: the system's "
			"OpenSSL configuration sets its own policy "
			"(system_default), which decides the TLS suites",
			suites);
		return 0;
	}
	if (kf__load(suites, errstr, errstr_size))
		return KF_EINVAL;
	snprintf(kf__ours, sizeof(kf__ours), "%s", suites);
	return 0;
}

int kf_kafka_suites_apply(const char *suites, char *errstr, size_t errstr_size)
{
	int r;

	if (!suites || !*suites)
		return 0;
	/* the system's configuration first, so that its policy is seen */
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG, NULL);
	pthread_mutex_lock(&kf__lock);
	r = kf__apply(suites, errstr, errstr_size);
	pthread_mutex_unlock(&kf__lock);
	return r;
}
