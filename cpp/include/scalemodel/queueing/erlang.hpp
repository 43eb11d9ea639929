// Erlang's loss (B) and delay (C) formulas.
#pragma once

#include <cstdint>

namespace scalemodel::queueing {

// Probability that an arrival finds all `servers` (1..1e9) busy in an M/M/c/c loss system with
// `offered_load` = arrival rate / service rate (erlangs). Relative error about 1e-13 up to
// 10^4 servers, 3e-12 at 10^6 and 1e-10 at 10^7 with the load next to `servers`: the
// problem's own conditioning there (one ulp of the load moves B by about that much).
double erlang_b(std::int64_t servers, double offered_load);

// Probability that an arrival waits in an M/M/c queue (Erlang C). Equal to 1 when
// offered_load >= servers (the queue is unstable and every arrival waits).
double erlang_c(std::int64_t servers, double offered_load);

}  // namespace scalemodel::queueing
