/* SPDX-License-Identifier: Apache-2.0 */
#include "api/sendopts.h"

#include "api/loadopts.h"
#include "send/send.h"
#include "watch/daemon.h"

void kf_api_send_opts(const kf_conf_t *conf, kf_send_opts_t *o)
{
	*o = (kf_send_opts_t){0};
	/* records are the sender's own frames: no larger size to allow */
	kf_producer_opts_init(&o->producer, conf, conf->topic, 0);
	/* librdkafka closes a batch at message.max.bytes, whatever batch.size
	 * says: several chunks share a batch only when the topic was said to
	 * take them */
	if (conf->send_batch_max_bytes > o->producer.max_message) {
		o->producer.max_message = conf->send_batch_max_bytes;
		o->producer.batch_size = conf->send_batch_max_bytes;
	}
	/* small files are one small message each: paced (kafka/pacer.h) */
	o->producer.pace = 1;
	o->chunk_size = conf->chunk_size;
	o->codec = conf->codec;
	o->codec_level = conf->codec_level;
	o->encrypt_recipients = conf->encrypt_recipients;
	o->sign_key = conf->sign_key;
	o->max_inflight_bytes = conf->send_max_inflight_bytes;
	o->max_inflight_files = conf->send_max_inflight_files;
	o->file_frames = conf->send_file_frames;
}

int kf_send(const kf_conf_t *conf, const char *const *paths, size_t npaths,
	    kf_send_file_cb *file_cb, kf_send_progress_cb *progress_cb,
	    void *opaque, kf_send_stats_t *stats, char *errstr,
	    size_t errstr_size)
{
	kf_send_opts_t o;

	kf_api_send_opts(conf, &o);
	return kf_send_run(conf, &o, paths, npaths, file_cb, progress_cb,
			   opaque, stats, errstr, errstr_size);
}

int kf_watch(const kf_conf_t *conf, kf_watch_reload_cb *reload, void *opaque,
	     char *errstr, size_t errstr_size)
{
	kf_send_opts_t o;
	kf_api_load_t l;
	int r;

	/* every route's sender or loader starts from these (its topic, keys
	 * and schema aside); a reload changes the routes, not them */
	kf_api_send_opts(conf, &o);
	r = kf_api_load_base(conf, &l, errstr, errstr_size);
	if (!r)
		r = kf_watch_run(conf, &o, &l.o, reload, opaque, errstr,
				 errstr_size);
	kf_api_load_free(&l);
	return r;
}
