/* SPDX-License-Identifier: Apache-2.0 */
#include "obs/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"

struct kf_mseries_s {
	kf_mfamily_t *f;
	char **values;		     /* nlabels strings, owned */
	double value;		     /* counter, gauge; histogram: the sum */
	unsigned long long count;    /* histogram observations */
	unsigned long long *buckets; /* nbuckets, not cumulative */
	kf_mseries_t *next;
};

struct kf_mfamily_s {
	kf_metrics_t *m;
	char *name, *help;
	enum kf_metric_type type;
	char *labels[KF_METRICS_MAX_LABELS];
	size_t nlabels;
	double bounds[KF_METRICS_MAX_BUCKETS];
	size_t nbuckets;
	kf_mseries_t *head, *tail;
	size_t nseries;
	kf_mfamily_t *next;
};

struct kf_metrics_s {
	pthread_mutex_t lock;
	kf_mfamily_t *head, *tail;
};

kf_metrics_t *kf_metrics_new(void)
{
	kf_metrics_t *m = calloc(1, sizeof(*m));

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

static void kf__series_free(kf_mseries_t *s)
{
	size_t i;

	for (i = 0; s->values && i < s->f->nlabels; i++)
		free(s->values[i]);
	free(s->values);
	free(s->buckets);
	free(s);
}

static void kf__family_free(kf_mfamily_t *f)
{
	kf_mseries_t *s;
	size_t i;

	while ((s = f->head)) {
		f->head = s->next;
		kf__series_free(s);
	}
	for (i = 0; i < f->nlabels; i++)
		free(f->labels[i]);
	free(f->name);
	free(f->help);
	free(f);
}

void kf_metrics_destroy(kf_metrics_t *m)
{
	kf_mfamily_t *f;

	if (!m)
		return;
	while ((f = m->head)) {
		m->head = f->next;
		kf__family_free(f);
	}
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; labels may not use ':'. */
static int kf__valid_name(const char *s, int colon)
{
	const char *p;

	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' ||
		      (colon && *p == ':')))
			return 0;
	return 1;
}

kf_mfamily_t *kf_metrics_family(kf_metrics_t *m, const char *name,
				const char *help, enum kf_metric_type type,
				const char *const *labels,
				const double *buckets, size_t nbuckets)
{
	kf_mfamily_t *f;
	size_t i;

	if (!kf__valid_name(name, 1) || nbuckets > KF_METRICS_MAX_BUCKETS ||
	    (type == KF_METRIC_HISTOGRAM) != (nbuckets > 0))
		return NULL;
	for (i = 1; i < nbuckets; i++)
		if (!(buckets[i] > buckets[i - 1]))
			return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->m = m;
	f->type = type;
	f->name = strdup(name);
	f->help = strdup(help ? help : "");
	if (!f->name || !f->help)
		goto out_free;
	for (i = 0; labels && labels[i]; i++) {
		/* "le" is the histogram's own label */
		if (i == KF_METRICS_MAX_LABELS ||
		    !kf__valid_name(labels[i], 0) || !strcmp(labels[i], "le"))
			goto out_free;
		if (!(f->labels[i] = strdup(labels[i])))
			goto out_free;
		f->nlabels = i + 1;
	}
	if (nbuckets)
		memcpy(f->bounds, buckets, nbuckets * sizeof(*buckets));
	f->nbuckets = nbuckets;
	pthread_mutex_lock(&m->lock);
	if (m->tail)
		m->tail->next = f;
	else
		m->head = f;
	m->tail = f;
	pthread_mutex_unlock(&m->lock);
	return f;

out_free:
	kf__family_free(f);
	return NULL;
}

static int kf__same_values(const kf_mseries_t *s, const char *const *values)
{
	size_t i;

	for (i = 0; i < s->f->nlabels; i++)
		if (strcmp(s->values[i], values && values[i] ? values[i] : ""))
			return 0;
	return 1;
}

/* @locks f->m->lock held */
static kf_mseries_t *kf__series_new(kf_mfamily_t *f, const char *const *values)
{
	kf_mseries_t *s = calloc(1, sizeof(*s));
	size_t i;

	if (!s)
		return NULL;
	s->f = f;
	s->values = calloc(f->nlabels ? f->nlabels : 1, sizeof(char *));
	if (f->nbuckets)
		s->buckets = calloc(f->nbuckets, sizeof(*s->buckets));
	if (!s->values || (f->nbuckets && !s->buckets))
		goto out_free;
	for (i = 0; i < f->nlabels; i++)
		if (!(s->values[i] =
			      strdup(values && values[i] ? values[i] : "")))
			goto out_free;
	return s;

out_free:
	kf__series_free(s);
	return NULL;
}

kf_mseries_t *kf_mfamily_series(kf_mfamily_t *f, const char *const *values)
{
	kf_mseries_t *s;

	if (!f)
		return NULL;
	pthread_mutex_lock(&f->m->lock);
	for (s = f->head; s; s = s->next)
		if (kf__same_values(s, values))
			goto out;
	if (f->nseries >= KF_METRICS_MAX_SERIES ||
	    !(s = kf__series_new(f, values)))
		goto out;
	if (f->tail)
		f->tail->next = s;
	else
		f->head = s;
	f->tail = s;
	f->nseries++;
out:
	pthread_mutex_unlock(&f->m->lock);
	return s;
}

void kf_mseries_add(kf_mseries_t *s, double v)
{
	if (!s || (s->f->type == KF_METRIC_COUNTER && !(v >= 0)))
		return;
	pthread_mutex_lock(&s->f->m->lock);
	s->value += v;
	pthread_mutex_unlock(&s->f->m->lock);
}

void kf_mseries_set(kf_mseries_t *s, double v)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->f->m->lock);
	s->value = v;
	pthread_mutex_unlock(&s->f->m->lock);
}

double kf_mseries_value(const kf_mseries_t *s)
{
	double v;

	if (!s)
		return 0;
	pthread_mutex_lock(&s->f->m->lock);
	v = s->value;
	pthread_mutex_unlock(&s->f->m->lock);
	return v;
}

void kf_mseries_observe(kf_mseries_t *s, double v)
{
	size_t i;

	if (!s || !s->buckets || isnan(v))
		return;
	pthread_mutex_lock(&s->f->m->lock);
	for (i = 0; i < s->f->nbuckets && v > s->f->bounds[i]; i++)
		;
	if (i < s->f->nbuckets)
		s->buckets[i]++;
	s->count++;
	s->value += v;
	pthread_mutex_unlock(&s->f->m->lock);
}

/* ------------------------------------------------------------ exposition */

/* Shortest decimal that reads back as v; integers without a fraction;
 * +Inf, -Inf and NaN as the format spells them. */
static void kf__fmt_double(char *buf, size_t cap, double v)
{
	if (isnan(v)) {
		snprintf(buf, cap, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
	} else if (v == floor(v) && fabs(v) < 9007199254740992.0) {
		snprintf(buf, cap, "%.0f", v);
	} else {
		int prec;

		for (prec = 6; prec < 17; prec++) {
			snprintf(buf, cap, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				return;
		}
		snprintf(buf, cap, "%.17g", v);
	}
}

/* HELP text escapes backslash and newline; label values also the double
 * quote. */
static void kf__put_escaped(kf_strbuf_t *o, const char *s, int quote)
{
	const char *p;

	for (p = s; *p; p++) {
		if (*p == '\\')
			kf_strbuf_printf(o, "\\\\");
		else if (*p == '\n')
			kf_strbuf_printf(o, "\\n");
		else if (quote && *p == '"')
			kf_strbuf_printf(o, "\\\"");
		else
			kf_strbuf_printf(o, "%c", *p);
	}
}

/* {a="x",b="y"} with an optional extra le="..." last; nothing when there
 * is no label at all. */
static void kf__put_labels(kf_strbuf_t *o, const kf_mseries_t *s,
			   const char *le)
{
	size_t i;

	if (!s->f->nlabels && !le)
		return;
	kf_strbuf_printf(o, "{");
	for (i = 0; i < s->f->nlabels; i++) {
		kf_strbuf_printf(o, "%s%s=\"", i ? "," : "", s->f->labels[i]);
		kf__put_escaped(o, s->values[i], 1);
		kf_strbuf_printf(o, "\"");
	}
	if (le)
		kf_strbuf_printf(o, "%sle=\"%s\"", s->f->nlabels ? "," : "",
				 le);
	kf_strbuf_printf(o, "}");
}

static void kf__put_series(kf_strbuf_t *o, const kf_mseries_t *s)
{
	const kf_mfamily_t *f = s->f;
	unsigned long long cum = 0;
	char num[64], le[64];
	size_t i;

	if (f->type != KF_METRIC_HISTOGRAM) {
		kf__fmt_double(num, sizeof(num), s->value);
		kf_strbuf_printf(o, "%s", f->name);
		kf__put_labels(o, s, NULL);
		kf_strbuf_printf(o, " %s\n", num);
		return;
	}
	for (i = 0; i <= f->nbuckets; i++) {
		if (i < f->nbuckets) {
			cum += s->buckets[i];
			kf__fmt_double(le, sizeof(le), f->bounds[i]);
		} else {
			cum = s->count;
			snprintf(le, sizeof(le), "+Inf");
		}
		kf_strbuf_printf(o, "%s_bucket", f->name);
		kf__put_labels(o, s, le);
		kf_strbuf_printf(o, " %llu\n", cum);
	}
	kf__fmt_double(num, sizeof(num), s->value);
	kf_strbuf_printf(o, "%s_sum", f->name);
	kf__put_labels(o, s, NULL);
	kf_strbuf_printf(o, " %s\n%s_count", num, f->name);
	kf__put_labels(o, s, NULL);
	kf_strbuf_printf(o, " %llu\n", s->count);
}

char *kf_metrics_render(kf_metrics_t *m, size_t *len)
{
	static const char *const types[] = {"counter", "gauge", "histogram"};
	const kf_mfamily_t *f;
	const kf_mseries_t *s;
	kf_strbuf_t o;

	kf_strbuf_heap(&o, 4096); /* an empty registry is an empty text */
	pthread_mutex_lock(&m->lock);
	for (f = m->head; f; f = f->next) {
		kf_strbuf_printf(&o, "# HELP %s ", f->name);
		kf__put_escaped(&o, f->help, 0);
		kf_strbuf_printf(&o, "\n# TYPE %s %s\n", f->name,
				 types[f->type]);
		for (s = f->head; s; s = s->next)
			kf__put_series(&o, s);
	}
	pthread_mutex_unlock(&m->lock);
	if (o.failed) {
		free(o.p);
		return NULL;
	}
	*len = o.len;
	return o.p;
}
