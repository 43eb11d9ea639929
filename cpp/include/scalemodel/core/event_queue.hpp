// The discrete-event kernel: a simulated clock and a min-heap of pending events.
// Events at equal times leave in the order they were scheduled (a sequence number breaks
// ties), so a run is a deterministic function of its random stream.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace scalemodel {

template <class Payload>
class EventQueue {
public:
    struct Event {
        double time;
        std::uint64_t seq;
        Payload payload;
    };

    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    double now() const { return now_; }
    std::uint64_t processed() const { return processed_; }
    const Event& top() const { return heap_.front(); }

    void schedule(double time, const Payload& p) {
        heap_.push_back(Event{time, seq_++, p});
        sift_up(heap_.size() - 1);
    }

    // Removes the earliest event and advances the clock to it.
    Event pop() {
        Event e = heap_.front();
        const Event last = heap_.back();
        heap_.pop_back();
        if (!heap_.empty()) {
            heap_.front() = last;
            sift_down(0);
        }
        now_ = e.time;
        ++processed_;
        return e;
    }

    void clear() {
        heap_.clear();
        now_ = 0.0;
        seq_ = 0;
        processed_ = 0;
    }

private:
    static bool before(const Event& a, const Event& b) {
        return a.time < b.time || (a.time == b.time && a.seq < b.seq);
    }
    // A 4-ary heap: half the depth of a binary one, and a node's children share a cache
    // line or two, so a pop touches less memory (the order is the same: time, then seq).
    static constexpr std::size_t kArity = 4;
    void sift_up(std::size_t i) {
        const Event e = heap_[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / kArity;
            if (!before(e, heap_[parent])) break;
            heap_[i] = heap_[parent];
            i = parent;
        }
        heap_[i] = e;
    }
    void sift_down(std::size_t i) {
        const std::size_t n = heap_.size();
        const Event e = heap_[i];
        for (;;) {
            const std::size_t first = kArity * i + 1;
            if (first >= n) break;
            std::size_t best = first;
            const std::size_t last = std::min(first + kArity, n);
            for (std::size_t c = first + 1; c < last; ++c)
                if (before(heap_[c], heap_[best])) best = c;
            if (!before(heap_[best], e)) break;
            heap_[i] = heap_[best];
            i = best;
        }
        heap_[i] = e;
    }

    std::vector<Event> heap_;
    double now_ = 0.0;
    std::uint64_t seq_ = 0, processed_ = 0;
};

}  // namespace scalemodel
