/* SPDX-License-Identifier: Apache-2.0 */
/* layer: core; expect: fail */
/* the codec enum is core's: config uses it, not the reverse */
#include "config/conf.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
