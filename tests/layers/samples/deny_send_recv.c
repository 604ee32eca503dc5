/* SPDX-License-Identifier: Apache-2.0 */
/* layer: send; expect: fail */
/* the engines do not depend on each other */
#include "recv/assembler.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
