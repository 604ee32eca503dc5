/* SPDX-License-Identifier: Apache-2.0 */
/* layer: proto; expect: pass */
/* wire decodes against core's path rules */
#include "core/path.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
