/* SPDX-License-Identifier: Apache-2.0 */
/* layer: obs; expect: pass */
/* obs registers the Kafka statistics callback */
#include "kafka/client.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
