/* SPDX-License-Identifier: Apache-2.0 */
/* layer: proto; expect: fail */
/* frames never see a Kafka type */
#include "kafka/client.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
