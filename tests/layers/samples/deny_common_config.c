/* SPDX-License-Identifier: Apache-2.0 */
/* layer: common; expect: fail */
/* the logger knows nothing of the configuration */
#include "config/conf.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
