// Progress of a long engine call, shared with the thread that waits for it. The Python
// layer runs a long call on a worker thread, makes a Progress current there (Scope), and
// polls it from the waiting thread to draw a progress bar; Ctrl-C there cancels it.
// parallel_for picks up the caller's current Progress, counts finished items into it and
// stops handing out items once it is cancelled, then throws Cancelled. An engine call made
// without a current Progress behaves exactly as before.
#pragma once

#include <atomic>
#include <cstdint>
#include <stdexcept>

namespace scalemodel {

struct Cancelled : std::runtime_error {
    Cancelled() : std::runtime_error("cancelled") {}
};

class Progress {
public:
    std::int64_t total() const { return total_.load(std::memory_order_relaxed); }
    std::int64_t done() const { return done_.load(std::memory_order_relaxed); }
    bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
    void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
    void add_total(std::int64_t n) { total_.fetch_add(n, std::memory_order_relaxed); }
    void advance() { done_.fetch_add(1, std::memory_order_relaxed); }

    // The Progress of the calling thread's current engine call, or nullptr.
    static Progress* current() { return slot(); }

    // Makes `p` the calling thread's current Progress for the scope's lifetime.
    class Scope {
    public:
        explicit Scope(Progress* p) : previous_(slot()) { slot() = p; }
        ~Scope() { slot() = previous_; }
        Scope(const Scope&) = delete;
        Scope& operator=(const Scope&) = delete;

    private:
        Progress* previous_;
    };

private:
    // Per thread, not global: each waiting caller tracks only its own call.
    static Progress*& slot() {
        thread_local Progress* current = nullptr;
        return current;
    }
    std::atomic<std::int64_t> total_{0}, done_{0};
    std::atomic<bool> cancelled_{false};
};

// A look at a Progress every kEvery ticks, for one long loop (a simulator's replication):
// tick() once per event; it throws Cancelled once the caller's call is cancelled. Build it
// from Progress::current() read on the calling thread (worker threads have none of their
// own). A few nanoseconds a tick: a counter, and an atomic load every 2^16.
class CancelCheck {
public:
    static constexpr std::int64_t kEvery = std::int64_t{1} << 16;
    explicit CancelCheck(const Progress* progress) : progress_(progress) {}
    void tick() {
        if (progress_ && ++since_ == kEvery) {
            since_ = 0;
            if (progress_->cancelled()) throw Cancelled();
        }
    }

private:
    const Progress* progress_;
    std::int64_t since_ = 0;
};

}  // namespace scalemodel
