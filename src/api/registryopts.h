/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a configuration to a Schema Registry client: the schema.registry.*
 * keys (docs/schemas.md 2), the password resolved from file: or env:. For
 * kferry load (load.value_format = avro) and kferry sink (Avro records).
 *
 * @locality any thread.
 */
#ifndef KF_API_REGISTRYOPTS_H
#define KF_API_REGISTRYOPTS_H

#include "config/conf.h"
#include "registry/client.h"

/* A client (kf_registry_destroy), or NULL with errstr: no
 * schema.registry.url (what names what needs one), a password that does
 * not read, a bad URL or level. */
kf_registry_t *kf_api_registry_new(const kf_conf_t *conf, const char *what,
				   char *errstr, size_t errstr_size);

#endif /* KF_API_REGISTRYOPTS_H */
