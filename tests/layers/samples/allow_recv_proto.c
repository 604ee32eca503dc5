/* SPDX-License-Identifier: Apache-2.0 */
/* layer: recv; expect: pass */
/* engines build on frames */
#include "proto/wire.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
