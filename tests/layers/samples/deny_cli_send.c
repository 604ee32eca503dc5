/* SPDX-License-Identifier: Apache-2.0 */
/* layer: cli; expect: fail */
/* the command uses the public API only */
#include "send/sender.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
