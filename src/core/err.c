/* SPDX-License-Identifier: BSD-3-Clause */
/* ft_strerror(): errors are negative errno values (ft_err.h). */
#include <stdlib.h>
#include <string.h>

#include <fasttcp/ft_err.h>

const char *
ft_strerror(int err)
{
	return strerror(abs(err));
}
