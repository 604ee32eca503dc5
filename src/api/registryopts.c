/* SPDX-License-Identifier: Apache-2.0 */
#include "api/registryopts.h"

#include <string.h>

#include "common/err.h"
#include "kafka/security.h"

static const char *kf__or_null(const char *s)
{
	return s && *s ? s : NULL;
}

kf_registry_t *kf_api_registry_new(const kf_conf_t *conf, const char *what,
				   char *errstr, size_t errstr_size)
{
	kf_registry_opts_t o = {0};
	kf_registry_t *r;
	char password[1024] = "", key_password[1024] = "";

	if (!kf__or_null(conf->registry_url)) {
		kf_seterr(errstr, errstr_size, KF_EINVAL,
			  "%s needs a Schema Registry: set schema.registry.url "
			  "(docs/schemas.md 2)",
			  what);
		return NULL;
	}
	if (kf__or_null(conf->registry_password) &&
	    kf_kafka_secret("schema.registry.password", conf->registry_password,
			    password, sizeof(password), errstr, errstr_size))
		return NULL;
	if (kf__or_null(conf->registry_key_password) &&
	    kf_kafka_secret("schema.registry.key_password",
			    conf->registry_key_password, key_password,
			    sizeof(key_password), errstr, errstr_size)) {
		memset(password, 0, sizeof(password));
		return NULL;
	}
	o.url = conf->registry_url;
	o.username = kf__or_null(conf->registry_username);
	o.password = password;
	o.ca_location = kf__or_null(conf->registry_ca_location);
	o.cert_location = kf__or_null(conf->registry_cert_location);
	o.key_location = kf__or_null(conf->registry_key_location);
	o.key_password = *key_password ? key_password : NULL;
	o.timeout_ms = conf->registry_timeout_ms;
	o.compatibility = conf->registry_compatibility;
	r = kf_registry_new(&o, errstr, errstr_size);
	memset(password, 0, sizeof(password));
	memset(key_password, 0, sizeof(key_password));
	return r;
}
