/* SPDX-License-Identifier: Apache-2.0 */
/* layer: config; expect: pass */
/* the configuration names core's codec */
#include "core/codec.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
