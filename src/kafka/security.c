/* SPDX-License-Identifier: Apache-2.0 */
#include "kafka/security.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "config/conf.h"
#include "core/crypto.h"
#include "kafka/client.h"

/* --------------------------------------------------------------- secrets */

static int kf__secret_file(const char *key, const char *path, char *out,
			   size_t out_size, char *errstr, size_t errstr_size)
{
	struct stat st;
	ssize_t n;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s = file:%s: cannot open: %s", key, path,
				 strerror(e));
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IROTH | S_IWOTH)))
		kf_warn("conf",
			"%s holds the secret of %s and is readable by other "
			"users (mode %03o): run chmod 600 %s",
			path, key, (unsigned)(st.st_mode & 0777), path);
	n = read(fd, out, out_size - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s = file:%s: cannot read: %s", key, path,
				 strerror(e));
	out[n] = '\0';
	/* The secret is the first line: editors add a final newline. */
	out[strcspn(out, "\r\n")] = '\0';
	if (!*out)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s = file:%s: the file's first line is empty",
				 key, path);
	return 0;
}

int kf_kafka_secret(const char *key, const char *value, char *out,
		    size_t out_size, char *errstr, size_t errstr_size)
{
	const char *v;

	if (!strncmp(value, "file:", 5))
		return kf__secret_file(key, value + 5, out, out_size, errstr,
				       errstr_size);
	if (!strncmp(value, "env:", 4)) {
		v = getenv(value + 4);
		if (!v || !*v)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "%s = %s: the environment variable "
					 "%s is not set",
					 key, value, value + 4);
	} else {
		v = value;
	}
	if (strlen(v) >= out_size)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "%s: the secret is too long (at most %zu "
				 "bytes)",
				 key, out_size - 1);
	strcpy(out, v);
	return 0;
}

/* ------------------------------------------------------------ settings */

int kf_kafka_set_secret(rd_kafka_conf_t *rc, const char *name, const char *key,
			const char *value, char *errstr, size_t errstr_size)
{
	char secret[1024];
	int r;

	r = kf_kafka_secret(key, value, secret, sizeof(secret), errstr,
			    errstr_size);
	if (!r)
		r = kf_kafka_conf_set(rc, name, secret, errstr, errstr_size);
	explicit_bzero(secret, sizeof(secret));
	return r;
}

static void kf__why(char *errstr, size_t errstr_size, const char *broker_name,
		    int x509_error, int depth)
{
	switch (kf_crypto_cert_refusal(x509_error)) {
	case KF_CERT_WRONG_HOST:
		snprintf(errstr, errstr_size,
			 "wrong host name: the certificate of %s is not valid "
			 "for the name or address kferry connected to (connect "
			 "by a name in the certificate's subjectAltName, or "
			 "fix the certificate)",
			 broker_name);
		break;
	case KF_CERT_UNTRUSTED:
		snprintf(errstr, errstr_size,
			 "untrusted CA: the certificate of %s is not signed by "
			 "a CA in tls.ca (or the system's CA store)",
			 broker_name);
		break;
	case KF_CERT_TIME:
		snprintf(errstr, errstr_size,
			 "the certificate of %s (chain depth %d) is expired "
			 "or not yet valid: check it, and this host's clock",
			 broker_name, depth);
		break;
	default:
		snprintf(errstr, errstr_size,
			 "the certificate of %s was refused (OpenSSL verify "
			 "error %d at chain depth %d)",
			 broker_name, x509_error, depth);
		break;
	}
}

/* Says why a broker's certificate was refused: OpenSSL's own text for
 * these ("certificate verify failed") does not tell a wrong CA from a
 * wrong host name, and librdkafka reports only that text as the error.
 * The first reason goes to the guard, where the error callback finds it.
 * @locality librdkafka broker threads */
static int kf__verify_cb(rd_kafka_t *rk, const char *broker_name,
			 int32_t broker_id, int *x509_error, int depth,
			 const char *buf, size_t size, char *errstr,
			 size_t errstr_size, void *opaque)
{
	kf_kafka_guard_t *g = opaque;
	int empty = 0;

	(void)rk;
	(void)broker_id;
	(void)buf;
	(void)size;
	if (kf_crypto_cert_refusal(*x509_error) == KF_CERT_OK)
		return 1;
	kf__why(errstr, errstr_size, broker_name, *x509_error, depth);
	if (atomic_compare_exchange_strong(&g->tls_state, &empty, 1)) {
		snprintf(g->tls_why, sizeof(g->tls_why), "%s", errstr);
		atomic_store(&g->tls_state, 2);
	}
	return 0;
}

static int kf__protocol(const kf_conf_t *conf)
{
	if (conf->security_protocol != KF_SECURITY_AUTO)
		return conf->security_protocol;
	if (conf->sasl_username)
		return KF_SECURITY_SASL_SSL;
	if (conf->tls_ca || conf->tls_cert || conf->tls_key)
		return KF_SECURITY_SSL;
	return KF_SECURITY_PLAINTEXT;
}

static int kf__apply_tls(rd_kafka_conf_t *rc, const kf_conf_t *conf,
			 char *errstr, size_t errstr_size)
{
	/* Verification is librdkafka's default; set it anyway, so that no
	 * version's default decides it. */
	const char *const props[][2] = {
		{"enable.ssl.certificate.verification", "true"},
		{"ssl.endpoint.identification.algorithm",
		 conf->tls_verify_hostname ? "https" : "none"},
		{"ssl.ca.location", conf->tls_ca},
		{"ssl.certificate.location", conf->tls_cert},
		{"ssl.key.location", conf->tls_key},
	};
	size_t i;

	if (!conf->tls_cert != !conf->tls_key)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "tls.cert and tls.key go together: set both "
				 "for mutual TLS, or neither");
	if (conf->tls_key_password && !conf->tls_key)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "tls.key_password is set but tls.key is not");
	for (i = 0; i < sizeof(props) / sizeof(props[0]); i++)
		if (props[i][1] &&
		    kf_kafka_conf_set(rc, props[i][0], props[i][1], errstr,
				      errstr_size))
			return KF_EINVAL;
	if (conf->tls_key_password &&
	    kf_kafka_set_secret(rc, "ssl.key.password", "tls.key_password",
				conf->tls_key_password, errstr, errstr_size))
		return KF_EINVAL;
	rd_kafka_conf_set_ssl_cert_verify_cb(rc, kf__verify_cb);
	return 0;
}

static int kf__apply_sasl(rd_kafka_conf_t *rc, const kf_conf_t *conf, int proto,
			  char *errstr, size_t errstr_size)
{
	static const char *const mechanisms[] = {
		[KF_SASL_SCRAM_SHA_512] = "SCRAM-SHA-512",
		[KF_SASL_SCRAM_SHA_256] = "SCRAM-SHA-256",
		[KF_SASL_PLAIN] = "PLAIN",
	};
	int sasl = proto == KF_SECURITY_SASL_SSL ||
		   proto == KF_SECURITY_SASL_PLAINTEXT;

	if (!sasl && !conf->sasl_username && !conf->sasl_password)
		return 0;
	if (!sasl)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "sasl.username or sasl.password is set but "
				 "security.protocol does not use SASL: set it "
				 "to sasl_ssl (or auto)");
	if (!conf->sasl_username || !conf->sasl_password)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "SASL needs both sasl.username and "
				 "sasl.password (file:PATH or env:NAME)");
	if (proto == KF_SECURITY_SASL_PLAINTEXT)
		kf_warn("kafka",
			"security.protocol = sasl_plaintext: %s and "
			"every file cross the network unencrypted; "
			"use sasl_ssl",
			conf->sasl_mechanism == KF_SASL_PLAIN
				? "the password"
				: "the user name");
	if (kf_kafka_conf_set(rc, "sasl.mechanisms",
			      mechanisms[conf->sasl_mechanism], errstr,
			      errstr_size) ||
	    kf_kafka_conf_set(rc, "sasl.username", conf->sasl_username, errstr,
			      errstr_size) ||
	    kf_kafka_set_secret(rc, "sasl.password", "sasl.password",
				conf->sasl_password, errstr, errstr_size))
		return KF_EINVAL;
	return 0;
}

int kf_kafka_security_apply(rd_kafka_conf_t *rc, const kf_conf_t *conf,
			    char *errstr, size_t errstr_size)
{
	static const char *const names[] = {
		[KF_SECURITY_PLAINTEXT] = "plaintext",
		[KF_SECURITY_SSL] = "ssl",
		[KF_SECURITY_SASL_SSL] = "sasl_ssl",
		[KF_SECURITY_SASL_PLAINTEXT] = "sasl_plaintext",
	};
	int proto = kf__protocol(conf);

	if (kf_kafka_conf_set(rc, "security.protocol", names[proto], errstr,
			      errstr_size) ||
	    kf__apply_tls(rc, conf, errstr, errstr_size) ||
	    kf__apply_sasl(rc, conf, proto, errstr, errstr_size))
		return KF_EINVAL;
	if ((proto == KF_SECURITY_SSL || proto == KF_SECURITY_SASL_SSL) &&
	    kf_crypto_tls_suites(conf->tls_ciphersuites, errstr, errstr_size))
		return KF_EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- guard */

void kf_kafka_guard_init(kf_kafka_guard_t *g, const kf_conf_t *conf,
			 int producer, const char *topic)
{
	memset(g, 0, sizeof(*g));
	atomic_init(&g->tls_state, 0);
	g->conf = conf;
	g->topic = topic ? topic : conf->topic;
	g->producer = producer;
}

static KF_PRINTF(3, 4) void kf__trip(kf_kafka_guard_t *g, int err,
				     const char *fmt, ...)
{
	va_list ap;

	if (g->err)
		return; /* the first cause is the one to fix */
	g->err = err;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

static const char *kf__prop(const kf_conf_t *conf, const char *name)
{
	size_t i;

	for (i = 0; i < conf->nprops; i++)
		if (!strcmp(conf->props[i].name, name))
			return conf->props[i].value;
	return NULL;
}

/* The principal the broker sees, as kafka-acls wants it. */
static void kf__principal(const kf_conf_t *conf, char *buf, size_t cap)
{
	const char *user = kf__prop(conf, "sasl.username");

	if (!user)
		user = conf->sasl_username;
	if (user)
		snprintf(buf, cap, "User:%s", user);
	else if (conf->tls_cert)
		snprintf(buf, cap, "'User:<subject of %s>'", conf->tls_cert);
	else
		snprintf(buf, cap, "User:ANONYMOUS");
}

/* Trips the guard with the refused operation and the grant that fixes
 * it. op and rtype name the ACL as kafka-acls does; option is its
 * resource option ("--topic x"). */
static void kf__denied(kf_kafka_guard_t *g, const char *op, const char *rtype,
		       const char *name, const char *grant_ops,
		       const char *option, const char *note)
{
	char who[512];

	kf__principal(g->conf, who, sizeof(who));
	kf__trip(g, KF_EACCESS,
		 "not authorized: the broker refused %s on %s%s%s%s to %s%s; "
		 "grant it with: kafka-acls.sh --bootstrap-server %s "
		 "--command-config ADMIN.properties --add --allow-principal "
		 "%s %s %s",
		 op, rtype, name ? " '" : "", name ? name : "", name ? "'" : "",
		 who, note, g->conf->bootstrap, who, grant_ops, option);
}

/* Trips on an authorization error; partition is the message's, or
 * RD_KAFKA_PARTITION_UA for an error without a message. */
static void kf__access(kf_kafka_guard_t *g, rd_kafka_resp_err_t err,
		       int32_t partition)
{
	const kf_conf_t *c = g->conf;
	char topic[300], group[300];

	snprintf(topic, sizeof(topic), "--topic '%s'", g->topic);
	snprintf(group, sizeof(group), "--group '%s'", c->group);
	switch (err) {
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
		if (!g->producer)
			kf__denied(g, "Read", "Topic", g->topic,
				   "--operation Read --operation Describe",
				   topic, "");
		else if (partition == RD_KAFKA_PARTITION_UA)
			/* never placed on a partition: the metadata request
			 * (Describe) was refused, not the write */
			kf__denied(g, "Describe", "Topic", g->topic,
				   "--operation Write --operation Describe",
				   topic, "");
		else
			kf__denied(g, "Write", "Topic", g->topic,
				   "--operation Write --operation Describe",
				   topic, "");
		break;
	case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
		kf__denied(g, "Read", "Group", c->group, "--operation Read",
			   group, "");
		break;
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
		kf__denied(g, "IdempotentWrite", "the Cluster", NULL,
			   "--operation Write --operation Describe", topic,
			   " (the idempotent producer needs it; Kafka 3.0 and "
			   "later imply it from Write on any topic, older "
			   "brokers need --operation IdempotentWrite "
			   "--cluster)");
		break;
	default:
		break;
	}
}

int kf_kafka_guard_message(kf_kafka_guard_t *g, const rd_kafka_message_t *m)
{
	kf__access(g, m->err, m->partition);
	return g->err;
}

/* A TLS failure worth retrying is a broken connection, not a refusal. */
static int kf__tls_refusal(const char *reason)
{
	return !strstr(reason, "Disconnected") && !strstr(reason, "reset") &&
	       !strstr(reason, "timed out");
}

void kf_kafka_guard_unreached(kf_kafka_guard_t *g)
{
	char msg[sizeof(g->msg)];

	snprintf(msg, sizeof(msg),
		 "no broker answered within %d s (connect_timeout) at %s: %s; "
		 "check bootstrap, that the brokers are up, and the network "
		 "between them and this host",
		 g->conf->connect_timeout_s, g->conf->bootstrap,
		 *g->net_why ? g->net_why : "no connection error reported");
	if (g->keep_trying)
		kf_err("kafka", "%s; files stay queued until one answers", msg);
	else
		kf__trip(g, KF_EKAFKA, "%s", msg);
}

void kf_kafka_guard_error_cb(rd_kafka_t *rk, int err, const char *reason,
			     void *opaque)
{
	kf_kafka_guard_t *g = opaque;
	char fatal[512];
	rd_kafka_resp_err_t orig;

	switch (err) {
	case RD_KAFKA_RESP_ERR__FATAL:
		orig = rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
		kf__access(g, orig, RD_KAFKA_PARTITION_UA);
		kf__trip(g, KF_EKAFKA, "the Kafka client stopped: %s", fatal);
		return;
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
		kf__trip(g, KF_EAUTH,
			 "authentication failed: %s (check sasl.username, "
			 "sasl.password and sasl.mechanism against the "
			 "broker's users)",
			 reason);
		return;
	case RD_KAFKA_RESP_ERR__RESOLVE:
		snprintf(g->net_why, sizeof(g->net_why), "%s", reason);
		break;
	case RD_KAFKA_RESP_ERR__SSL:
	case RD_KAFKA_RESP_ERR__TRANSPORT:
		snprintf(g->net_why, sizeof(g->net_why), "%s", reason);
		/* a failed certificate check may end as either */
		if (atomic_load(&g->tls_state) == 2 &&
		    strstr(reason, "certificate verify failed")) {
			kf__trip(g, KF_EAUTH, "TLS refused: %s", g->tls_why);
			return;
		}
		if (strstr(reason, "alert bad certificate") ||
		    strstr(reason, "alert certificate required") ||
		    strstr(reason, "alert unknown ca") ||
		    strstr(reason, "alert certificate expired")) {
			kf__trip(g, KF_EAUTH,
				 "TLS refused: the broker did not accept this "
				 "client's certificate (%s): %s",
				 g->conf->tls_cert
					 ? "check tls.cert, tls.key and the CA "
					   "the broker trusts"
					 : "it requires mutual TLS: set "
					   "tls.cert "
					   "and tls.key",
				 reason);
			return;
		}
		if (err == RD_KAFKA_RESP_ERR__SSL && kf__tls_refusal(reason)) {
			kf__trip(g, KF_EAUTH, "TLS refused: %s", reason);
			return;
		}
		break;
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
		kf__access(g, err, RD_KAFKA_PARTITION_UA);
		return;
	default:
		break;
	}
	/* Everything else is retried by librdkafka: say it, go on. */
	kf_err("kafka", "%s", reason);
}
