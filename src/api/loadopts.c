/* SPDX-License-Identifier: Apache-2.0 */
#include "api/loadopts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/registryopts.h"
#include "common/err.h"
#include "kafka/security.h"
#include "load/load.h"
#include "record/recfile.h"
#include "record/sniff.h"

/* The record path of files. */
static const kf_load_reader_ops_t kf__recfile_ops = {
	kf_recfile_new,	  kf_recfile_feed,   kf_recfile_finish,
	kf_recfile_error, kf_recfile_counts, kf_recfile_destroy,
};

static const char *kf__or_null(const char *s)
{
	return s && *s ? s : NULL;
}

/* The command line's overrides of a schema, then the whole checked. A
 * sniffed schema's columns are optional: its key columns become required
 * (a row without its key is rejected). */
static int kf__overrides(kf_schema_t *s, const kf_load_args_t *args,
			 int sniffed, char *errstr, size_t errstr_size)
{
	size_t i;
	int r = 0;

	if (args->format)
		r = kf_schema_set_format(s, args->format, errstr, errstr_size);
	if (!r && args->key)
		r = kf_schema_set_key(s, args->key, errstr, errstr_size);
	for (i = 0; !r && sniffed && i < s->nkey; i++)
		s->cols[s->key[i]].required = 1;
	if (!r && args->encoding)
		r = kf_schema_set_encoding(s, args->encoding, errstr,
					   errstr_size);
	if (!r && args->delimiter)
		r = kf_schema_set_delimiter(s, args->delimiter, errstr,
					    errstr_size);
	if (!r && args->no_header)
		s->csv.header = 0;
	if (!r && (args->format || args->key || args->encoding ||
		   args->delimiter || args->no_header))
		r = kf_schema_prepare(s, errstr, errstr_size);
	return r;
}

/* The schema file named by --schema or load.schema, with the overrides;
 * 0 with *out NULL when there is none (files are sniffed). */
static int kf__schema(const kf_conf_t *conf, const kf_load_args_t *args,
		      kf_schema_t **out, char *errstr, size_t errstr_size)
{
	const char *path = kf__or_null(args->schema)
				   ? args->schema
				   : kf__or_null(conf->load_schema);
	int r;

	*out = NULL;
	if (!path)
		return 0;
	r = kf_schema_load(path, out, errstr, errstr_size);
	if (r)
		return r == KF_EIO ? KF_EINVAL : r;
	return kf__overrides(*out, args, 0, errstr, errstr_size);
}

/* A file loaded without a schema: a CSV's is sniffed (docs/records.md
 * 2.2); the other formats need one. @locality worker */
static int kf__sniff(void *opaque, const void *sample, size_t len, int whole,
		     const char *path, kf_schema_t **out, char *errstr,
		     size_t errstr_size)
{
	const kf_load_args_t *args = opaque;
	const char *ext = strrchr(path, '.');
	int r;

	*out = NULL;
	if ((args->format && strcmp(args->format, "csv")) ||
	    (ext && !strchr(ext, '/') &&
	     (!strcmp(ext, ".jsonl") || !strcmp(ext, ".ndjson"))))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "only CSV files are loaded without a schema: "
				 "give --schema FILE (docs/records.md, "
				 "section 2)");
	r = kf_schema_sniff(sample, len, whole, path, out, errstr, errstr_size);
	if (!r)
		r = kf__overrides(*out, args, 1, errstr, errstr_size);
	return r;
}

/* A column masked by hash needs the salt (the schema does not know it). */
static int kf__check_salt(const kf_api_load_t *a, char *errstr,
			  size_t errstr_size)
{
	size_t i;

	for (i = 0; a->schema && !a->o.mask_salt && i < a->schema->ncols; i++)
		if (a->schema->cols[i].mask == KF_MASK_HASH)
			return kf_seterr(errstr, errstr_size, KF_EINVAL,
					 "%s: column %s masks by hash: set "
					 "load.mask_salt (a secret: file:PATH "
					 "or env:NAME)",
					 a->schema->path,
					 a->schema->cols[i].name);
	return 0;
}

int kf_api_load_base(const kf_conf_t *conf, kf_api_load_t *a, char *errstr,
		     size_t errstr_size)
{
	kf_load_opts_t *o = &a->o;
	int r;

	memset(a, 0, sizeof(*a));
	o->conf = conf;
	o->workers = conf->workers;
	o->topic = conf->topic;
	o->ledger_topic = conf->load_ledger_topic;
	o->dead_letter_topic = kf__or_null(conf->load_dead_letter_topic);
	r = kf_conf_parse_rejects(conf->load_max_rejects, &o->max_rejects,
				  &o->max_rejects_pct, errstr, errstr_size);
	if (r)
		return r;
	o->reject_sample = (unsigned)conf->load_reject_sample;
	o->txn_id_prefix = conf->load_txn_id_prefix;
	o->transaction_timeout_s = conf->load_transaction_timeout_s;
	o->connect_timeout_s = conf->connect_timeout_s;
	o->max_inflight_bytes = conf->load_max_inflight_bytes;
	o->txn_max_bytes = conf->load_txn_max_bytes;
	o->linger_ms = conf->load_linger_ms;
	o->compression = kf_conf_load_compression(conf->load_compression);
	o->max_files_parallel = (unsigned)conf->load_max_files_parallel;
	o->decimal_numeric = conf->load_decimal_numeric;
	o->mask_text = conf->load_mask_text;
	if (kf__or_null(conf->load_mask_salt)) {
		r = kf_kafka_secret("load.mask_salt", conf->load_mask_salt,
				    a->salt, sizeof(a->salt), errstr,
				    errstr_size);
		if (r)
			return r;
		o->mask_salt = a->salt;
		o->mask_salt_len = strlen(a->salt);
	}
	o->reader = &kf__recfile_ops;
	o->sniff_bytes = conf->load_sniff_bytes;
	o->value_format = (enum kf_rec_wire)conf->load_value_format;
	o->key_format = conf->load_key_format == KF_CONF_KEY_FORMAT_VALUE
				? o->value_format
				: (enum kf_rec_wire)conf->load_key_format;
	if (o->value_format != KF_WIRE_CONNECT_JSON ||
	    o->key_format != KF_WIRE_CONNECT_JSON) { /* docs/schemas.md */
		a->registry = kf_api_registry_new(
			conf,
			"load.value_format or key_format = avro or "
			"json-schema",
			errstr, errstr_size);
		if (!a->registry)
			return KF_EINVAL;
		o->registry = a->registry;
		o->record_subjects = conf->registry_record_subjects;
	}
	return 0;
}

int kf_api_load_opts(const kf_conf_t *conf, const kf_load_args_t *args,
		     kf_api_load_t *a, char *errstr, size_t errstr_size)
{
	kf_load_opts_t *o = &a->o;
	int r;

	r = kf_api_load_base(conf, a, errstr, errstr_size);
	if (r)
		return r;
	if (!strcmp(conf->topic, "kferry.files"))
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "kferry load does not write to kferry.files, "
				 "the file-transfer topic (its receivers would "
				 "dead-letter every record): give -t TOPIC");
	if (o->max_rejects && !o->dead_letter_topic)
		return kf_seterr(errstr, errstr_size, KF_EINVAL,
				 "load.max_rejects = %s needs "
				 "load.dead_letter_topic: rejected rows go "
				 "there",
				 conf->load_max_rejects);
	o->force = args->force;
	o->sniff = kf__sniff;
	o->sniff_opaque = (void *)args;
	r = kf__schema(conf, args, &a->schema, errstr, errstr_size);
	o->schema = a->schema;
	if (!r)
		r = kf__check_salt(a, errstr, errstr_size);
	return r;
}

void kf_api_load_free(kf_api_load_t *a)
{
	kf_schema_free(a->schema);
	a->schema = NULL;
	kf_registry_destroy(a->registry);
	a->registry = NULL;
	memset(a->salt, 0, sizeof(a->salt));
}

int kf_load(const kf_conf_t *conf, const kf_load_args_t *args,
	    const char *const *paths, size_t npaths, kf_load_file_cb *file_cb,
	    kf_load_progress_cb *progress_cb, void *opaque,
	    kf_load_stats_t *stats, char *errstr, size_t errstr_size)
{
	kf_load_args_t none = {0};
	kf_api_load_t a;
	int r;

	if (stats)
		memset(stats, 0, sizeof(*stats));
	r = kf_api_load_opts(conf, args ? args : &none, &a, errstr,
			     errstr_size);
	if (!r)
		r = kf_load_run(conf, &a.o, paths, npaths, file_cb, progress_cb,
				opaque, stats, errstr, errstr_size);
	kf_api_load_free(&a);
	return r;
}

int kf_load_print_schema(const kf_conf_t *conf, const kf_load_args_t *args,
			 const char *path, FILE *out, char *errstr,
			 size_t errstr_size)
{
	size_t cap = (size_t)conf->load_sniff_bytes;
	kf_schema_t *s = NULL;
	char *sample;
	size_t n;
	FILE *f;
	int r;

	f = fopen(path, "rb");
	if (!f)
		return kf_seterr(errstr, errstr_size, KF_EIO, "%s: %s", path,
				 strerror(errno));
	sample = malloc(cap);
	if (!sample) {
		fclose(f);
		return kf_seterr(errstr, errstr_size, KF_ENOMEM,
				 "out of memory");
	}
	n = fread(sample, 1, cap, f);
	r = ferror(f) ? kf_seterr(errstr, errstr_size, KF_EIO,
				  "%s: cannot read", path)
		      : kf__sniff((void *)args, sample, n, feof(f), path, &s,
				  errstr, errstr_size);
	fclose(f);
	free(sample);
	if (!r && kf_schema_write(s, out))
		r = kf_seterr(errstr, errstr_size, KF_EIO,
			      "writing the schema of %s failed", path);
	kf_schema_free(s);
	return r;
}
