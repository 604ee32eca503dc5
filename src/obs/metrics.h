/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small metrics registry: counters, gauges and histograms with label
 * sets, written out in the Prometheus text exposition format (0.0.4).
 *
 * A registry holds families (one name, help text, type and list of label
 * names); a family holds series (one value per combination of label
 * values). Series are created on first use and live as long as the
 * registry, so callers may keep the pointers.
 *
 * @locality any thread. One mutex per registry guards every family, series
 * and value: the engines update from the loop thread, librdkafka's
 * statistics may arrive on whichever thread polls, and the exposition must
 * see a histogram's buckets, sum and count from the same moment.
 * @locks kf_metrics_t.lock, taken and released inside every function.
 */
#ifndef KF_OBS_METRICS_H
#define KF_OBS_METRICS_H

#include <stddef.h>

enum kf_metric_type {
	KF_METRIC_COUNTER,
	KF_METRIC_GAUGE,
	KF_METRIC_HISTOGRAM
};

/* Caps, so that a label taken from the outside world (a topic, a route, a
 * broker name) cannot grow the registry without bound. */
#define KF_METRICS_MAX_LABELS 4
#define KF_METRICS_MAX_BUCKETS 32
#define KF_METRICS_MAX_SERIES 4096 /* per family */

typedef struct kf_metrics_s kf_metrics_t;
typedef struct kf_mfamily_s kf_mfamily_t;
typedef struct kf_mseries_s kf_mseries_t;

/* An empty registry; caller owns it (kf_metrics_destroy). NULL when out of
 * memory. */
kf_metrics_t *kf_metrics_new(void);
void kf_metrics_destroy(kf_metrics_t *m);

/* Adds a family; labels is NULL-terminated (NULL: no labels). buckets are
 * the histogram's upper bounds in increasing order, without +Inf (NULL and
 * 0 for counters and gauges). Every string is copied. Returns the family
 * (owned by the registry), or NULL when out of memory or when the name,
 * labels or buckets are invalid (a programming error). */
kf_mfamily_t *kf_metrics_family(kf_metrics_t *m, const char *name,
				const char *help, enum kf_metric_type type,
				const char *const *labels,
				const double *buckets, size_t nbuckets);

/* Finds or creates the series of these label values (as many as the
 * family has labels; NULL values count as ""). Returns NULL when out of
 * memory or past KF_METRICS_MAX_SERIES; every update of a NULL series is
 * a no-op, so callers need not check. Owned by the registry. */
kf_mseries_t *kf_mfamily_series(kf_mfamily_t *f, const char *const *values);

/* Counters and gauges. A counter only grows: a negative v is ignored. */
void kf_mseries_add(kf_mseries_t *s, double v);
/* Gauges; also counters mirrored from a source that keeps its own total
 * (librdkafka's statistics). */
void kf_mseries_set(kf_mseries_t *s, double v);
double kf_mseries_value(const kf_mseries_t *s);
/* Histograms: counts v in the first bucket whose bound is >= v. */
void kf_mseries_observe(kf_mseries_t *s, double v);

/* Writes the whole registry in the text format, families in the order they
 * were added, series in the order they were created. Returns a
 * NUL-terminated buffer the caller frees, with its length in *len; NULL
 * when out of memory. */
char *kf_metrics_render(kf_metrics_t *m, size_t *len);

#endif /* KF_OBS_METRICS_H */
