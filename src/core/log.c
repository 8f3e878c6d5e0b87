/* SPDX-License-Identifier: BSD-3-Clause */
/* Logtype registration: lib.fasttcp.{port,net,stack,tcp}, default level INFO. */
#include "core/log.h"

RTE_LOG_REGISTER_SUFFIX(ft_logtype_port, port, INFO);
RTE_LOG_REGISTER_SUFFIX(ft_logtype_net, net, INFO);
RTE_LOG_REGISTER_SUFFIX(ft_logtype_stack, stack, INFO);
RTE_LOG_REGISTER_SUFFIX(ft_logtype_tcp, tcp, INFO);
