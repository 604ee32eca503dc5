/* SPDX-License-Identifier: Apache-2.0 */
/* layer: kafka; expect: fail */
/* obs registers the statistics callback: obs -> kafka */
#include "obs/probe.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
