/* SPDX-License-Identifier: Apache-2.0 */
/* layer: cli; expect: pass */
/* the command's one header */
#include "kferry/kferry.h"

int kf_layers_sample(void);
int kf_layers_sample(void)
{
	return 0;
}
