/* SPDX-License-Identifier: Apache-2.0 */
/* layer: core; expect: fail */
/* path rules are core's: proto uses them, not the reverse */
#include "proto/wire.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
