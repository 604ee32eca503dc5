/* SPDX-License-Identifier: Apache-2.0 */
#include "api/recvopts.h"

#include "recv/replay.h"

/* The configuration table spells the policies out as numbers (config may
 * not include the file sink's header). */
_Static_assert(KF_CONFLICT_FAIL == 0 && KF_CONFLICT_OVERWRITE == 1 &&
		       KF_CONFLICT_RENAME == 2,
	       "receive.on_conflict values (config/conf.c) drifted");

void kf_api_recv_opts(const kf_conf_t *conf, kf_recv_opts_t *o)
{
	*o = (kf_recv_opts_t){0};
	o->engine.kafka = conf;
	o->engine.topic = conf->topic;
	o->engine.group = conf->group;
	o->engine.bootstrap = conf->bootstrap;
	o->engine.idle_exit_s = conf->idle_exit_s;
	o->engine.dead_letters.kafka = conf;
	o->engine.dead_letters.topic = conf->dead_letter_topic;
	o->engine.dead_letters.source = conf->topic;
	o->engine.dead_letters.max_pending_bytes =
		conf->recv_max_inflight_bytes;
	o->dest = conf->dest;
	o->keep.on_conflict = conf->on_conflict;
	o->keep.fsync = conf->fsync;
	o->keep.quarantine_max = conf->quarantine_max;
	o->keep.quarantine_max_age_s = conf->quarantine_max_age_s;
	o->keep.umask = conf->recv_umask;
	o->workers = conf->workers;
	o->chunk_size = conf->chunk_size;
	o->max_file_size = conf->max_file_size;
	o->max_open_transfers = conf->max_open_transfers;
	o->abandon_timeout_s = conf->abandon_timeout_s;
	o->max_inflight_bytes = conf->recv_max_inflight_bytes;
	o->decrypt_keys = conf->decrypt_keys;
	o->trusted_signers = conf->trusted_signers;
}

int kf_receive(const kf_conf_t *conf, kf_recv_stats_t *stats, char *errstr,
	       size_t errstr_size)
{
	kf_recv_opts_t o;

	kf_api_recv_opts(conf, &o);
	return kf_receive_run(&o, stats, errstr, errstr_size);
}

int kf_replay(const kf_conf_t *conf, const kf_replay_opts_t *opts,
	      kf_recv_stats_t *stats, char *errstr, size_t errstr_size)
{
	kf_recv_opts_t o;

	kf_api_recv_opts(conf, &o);
	return kf_replay_run(&o, opts, stats, errstr, errstr_size);
}
