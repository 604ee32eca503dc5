#include "api/sendopts.h"

void kf_api_send_opts(const kf_conf_t *conf, kf_send_opts_t *o)
{
	*o = (kf_send_opts_t){0};
	/* records are the sender's own frames: no larger size to allow */
	kf_producer_opts_init(&o->producer, conf, conf->topic, 0);
	o->chunk_size = conf->chunk_size;
	o->codec = conf->codec;
	o->codec_level = conf->codec_level;
	o->encrypt_recipients = conf->encrypt_recipients;
	o->sign_key = conf->sign_key;
	o->max_inflight_bytes = conf->send_max_inflight_bytes;
	o->max_inflight_files = conf->send_max_inflight_files;
}
