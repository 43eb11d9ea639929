// Erlang's loss (B) and delay (C) formulas.
#pragma once

#include <cstdint>

namespace scalemodel::queueing {

// Probability that an arrival finds all `servers` busy in an M/M/c/c loss system with
// `offered_load` = arrival rate / service rate (erlangs). Accurate to about 1e-13
// relative for any servers up to 10^7, including offered loads next to `servers`.
double erlang_b(std::int64_t servers, double offered_load);

// Probability that an arrival waits in an M/M/c queue (Erlang C). Equal to 1 when
// offered_load >= servers (the queue is unstable and every arrival waits).
double erlang_c(std::int64_t servers, double offered_load);

}  // namespace scalemodel::queueing
