// A parallel loop over independent items. Determinism is by construction: body(i) must
// depend only on i (give item i its own Rng stream), so any thread count gives the same
// results. Finished items are counted into the caller's current Progress, if any, and a
// cancelled Progress stops the loop (Cancelled is thrown once every thread has stopped).
#pragma once

#include <algorithm>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "scalemodel/core/progress.hpp"

namespace scalemodel {

// Number of threads to use for `requested` (0 = all hardware threads), at most `items`.
inline int thread_count(int requested, std::int64_t items) {
    int n = requested > 0 ? requested : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(n, items)));
}

// Calls body(i) for i in [0, count) on up to `threads` threads (0 = hardware). Items are
// handed out in contiguous blocks; an exception ends its own thread's block, the other
// threads finish theirs, and the first exception is rethrown on the calling thread.
template <class F>
void parallel_for(std::int64_t count, int threads, F&& body) {
    if (count <= 0) return;
    Progress* progress = Progress::current();
    if (progress) progress->add_total(count);
    const auto run = [&](std::int64_t i) {
        if (progress && progress->cancelled()) return false;
        body(i);
        if (progress) progress->advance();
        return true;
    };
    const int n = thread_count(threads, count);
    if (n == 1) {
        for (std::int64_t i = 0; i < count; ++i)
            if (!run(i)) throw Cancelled();
        return;
    }
    std::exception_ptr error;
    std::mutex error_mutex;
    std::vector<std::thread> pool;
    pool.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t) {
        const std::int64_t begin = count * t / n, end = count * (t + 1) / n;
        pool.emplace_back([&, begin, end] {
            try {
                for (std::int64_t i = begin; i < end; ++i)
                    if (!run(i)) break;
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
            }
        });
    }
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
    if (progress && progress->cancelled()) throw Cancelled();
}

}  // namespace scalemodel
