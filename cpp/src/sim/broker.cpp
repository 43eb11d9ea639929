#include "scalemodel/sim/broker.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "scalemodel/core/alias_table.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/event_queue.hpp"
#include "scalemodel/core/exponential.hpp"
#include "scalemodel/core/parallel.hpp"
#include "scalemodel/core/progress.hpp"
#include "scalemodel/core/random.hpp"
#include "scalemodel/core/ring_queue.hpp"

namespace scalemodel::sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Most partitions or members (memory grows with both, per replication).
constexpr std::int64_t kMaxMembers = std::int64_t{1} << 20;
// Events between two looks at the caller's Progress (Ctrl-C stops a long replication).
constexpr std::int64_t kCancelCheckEvents = std::int64_t{1} << 16;
// Sample grids longer than this are refused (memory: one value per sample per replication).
constexpr std::int64_t kMaxSamples = 1'000'000;
// Most values a result keeps (samples, partitions and members, each per replication): 1 GiB.
constexpr double kMaxResultValues = 134'217'728.0;

struct Consumer {
    // Owned partitions holding a message not in service, in turn order: a served partition
    // that still holds messages goes to the back (round robin over the backlogged ones).
    RingQueue<std::uint32_t> ready;
    std::int64_t serving = -1;  // partition whose head is in service, or -1
    double busy_since = 0.0, busy_s = 0.0;
};

struct Replication {
    std::vector<double> metrics;
    std::vector<double> busy_fraction, partition_lag, lag_series;
    std::vector<std::int64_t> final_owner;
    LogHistogram latency;
};

class Simulation {
public:
    Simulation(const ConsumerGroupConfig& c, std::uint64_t seed, std::int64_t replication, std::size_t max_members,
               std::size_t samples, const Progress* progress)
        : c_(c),
          progress_(progress),
          rng_(seed, static_cast<std::uint64_t>(replication)),
          queues_(static_cast<std::size_t>(c.partitions)),
          in_service_(static_cast<std::size_t>(c.partitions), 0),
          part_area_(static_cast<std::size_t>(c.partitions), 0.0),
          part_last_(static_cast<std::size_t>(c.partitions), 0.0),
          consumers_(max_members),
          samples_(samples),
          members_(c.consumers),
          mean_service_s_(1.0 / c.consume_rate) {
        if (!c.partition_weights.empty()) alias_ = std::make_unique<AliasTable>(c.partition_weights);
        out_.lag_series.assign(samples, kNaN);
        owner_ = assign_partitions(c.partitions, members_, c.assignment);
        apply_assignment();
    }

    Replication run() {
        const double end_s = c_.duration_s;
        double next_arrival = next_arrival_after(0.0);
        std::size_t next_event = 0;
        double stop_s = end_s;
        bool overflow = false;
        for (;;) {
            const double t_done = completions_.empty() ? kInf : completions_.top().time;
            const double t_member = next_event < c_.events.size() ? c_.events[next_event].time : kInf;
            const double t_control = std::min(t_member, pause_end_);
            const double t = std::min({next_arrival, t_done, t_control});
            if (t > end_s) break;
            if (progress_ && ++since_check_ == kCancelCheckEvents) {
                since_check_ = 0;
                if (progress_->cancelled()) throw Cancelled();
            }
            advance_to(t);
            if (t_done <= t_control && t_done <= next_arrival) {
                complete(completions_.pop().payload, t);
            } else if (t_control <= next_arrival) {
                if (t_member <= pause_end_) {  // a join or leave: the group stops until pause_end_
                    members_ += c_.events[next_event].change;
                    ++next_event;
                    if (!paused_) pause_start_ = t;
                    awaiting_in_flight_ = false;
                    paused_ = true;
                    // A change during a rebalance restarts its clock (it joins the same rebalance).
                    pause_end_ = std::isfinite(pause_end_) ? std::max(pause_end_, t + c_.rebalance_s) : t + c_.rebalance_s;
                } else if (in_flight_ > 0) {
                    // Eager protocol: a member rejoins only after the message in hand, and no
                    // one gets an assignment before every member has rejoined.
                    pause_end_ = kInf;
                    awaiting_in_flight_ = true;
                } else {
                    pause_end_ = kInf;
                    rebalance(t);
                }
            } else {
                arrive(t);
                next_arrival = next_arrival_after(t);
                if (lag_ > kMaxBacklog) {
                    overflow = true;
                    stop_s = t;
                    break;
                }
            }
        }
        advance_to(stop_s);
        return finish(stop_s, overflow);
    }

private:
    // The next Poisson arrival after t under the piecewise-constant rate; exact because the
    // exponential is memoryless, so a fresh draw at each rate change is allowed.
    double next_arrival_after(double t) {
        for (;;) {
            while (segment_ < c_.profile_times.size() && c_.profile_times[segment_] <= t) ++segment_;
            const double rate = segment_ == 0 ? c_.produce_rate : c_.profile_rates[segment_ - 1];
            const double segment_end = segment_ < c_.profile_times.size() ? c_.profile_times[segment_] : kInf;
            if (rate > 0.0) {
                const double candidate = t + standard_exponential(rng_) / rate;
                if (candidate < segment_end) return candidate;
            }
            if (!std::isfinite(segment_end)) return kInf;
            t = segment_end;
        }
    }

    // Moves the clock to t: time-weighted lag, lag samples, and the window's start.
    void advance_to(double t) {
        const double from = std::max(last_t_, c_.warmup_s);
        if (t > from) lag_area_ += static_cast<double>(lag_) * (t - from);
        if (t < next_mark_) {  // the common case: no sample, window start or drain start passed
            last_t_ = t;
            return;
        }
        while (next_sample_ < samples_ && static_cast<double>(next_sample_) * c_.sample_interval_s <= t) {
            out_.lag_series[next_sample_++] = static_cast<double>(lag_);
        }
        if (last_t_ < c_.warmup_s && t >= c_.warmup_s) max_lag_ = std::max(max_lag_, lag_);
        if (last_t_ < c_.drain_from_s && t >= c_.drain_from_s && lag_ <= c_.drain_threshold && std::isnan(drain_s_))
            drain_s_ = 0.0;
        last_t_ = t;
        next_mark_ = next_mark();
    }

    // The earliest time after last_t_ at which advance_to has more to do than integrate.
    double next_mark() const {
        double mark = next_sample_ < samples_ ? static_cast<double>(next_sample_) * c_.sample_interval_s : kInf;
        if (last_t_ < c_.warmup_s) mark = std::min(mark, c_.warmup_s);
        if (last_t_ < c_.drain_from_s) mark = std::min(mark, c_.drain_from_s);
        return mark;
    }

    double window_start(double t) const { return std::max(t, c_.warmup_s); }

    void touch_partition(std::size_t p, double t) {
        const double from = window_start(part_last_[p]), to = window_start(t);
        part_area_[p] += static_cast<double>(queues_[p].size()) * (to - from);
        part_last_[p] = t;
    }

    void arrive(double t) {
        const std::size_t p =
            alias_ ? alias_->draw(rng_) : static_cast<std::size_t>(rng_.below(static_cast<std::uint64_t>(c_.partitions)));
        touch_partition(p, t);
        const bool was_empty = queues_[p].empty();
        queues_[p].push(t);
        ++lag_;
        ++events_;
        if (t >= c_.warmup_s) {
            ++produced_;
            max_lag_ = std::max(max_lag_, lag_);
        }
        const std::int64_t o = owner_[p];
        if (!was_empty || o < 0) return;  // already ready or in service, or nobody to serve it
        Consumer& k = consumers_[static_cast<std::size_t>(o)];
        if (!paused_ && k.serving < 0)
            start(static_cast<std::size_t>(o), p, t);
        else
            k.ready.push(static_cast<std::uint32_t>(p));
    }

    void start(std::size_t consumer, std::size_t p, double t) {
        Consumer& k = consumers_[consumer];
        k.serving = static_cast<std::int64_t>(p);
        k.busy_since = t;
        ++in_flight_;
        in_service_[p] = 1;
        const double service_s = c_.service == BrokerService::exponential
                                     ? standard_exponential(rng_) * mean_service_s_
                                     : mean_service_s_;
        completions_.schedule(t + service_s, static_cast<std::uint32_t>(consumer));
    }

    void complete(std::uint32_t consumer, double t) {
        Consumer& k = consumers_[consumer];
        const auto p = static_cast<std::size_t>(k.serving);
        touch_partition(p, t);
        const double arrival = queues_[p].front();
        queues_[p].pop();
        in_service_[p] = 0;
        --lag_;
        ++events_;
        k.serving = -1;
        --in_flight_;
        k.busy_s += std::max(0.0, t - window_start(k.busy_since));
        if (t >= c_.warmup_s) {
            ++consumed_;
            latency_sum_ += t - arrival;
            out_.latency.add(t - arrival);
        }
        if (std::isnan(drain_s_) && t >= c_.drain_from_s && static_cast<double>(lag_) <= c_.drain_threshold)
            drain_s_ = t - c_.drain_from_s;
        // Outside a pause the consumer serving p owns it (no handover happens mid-message).
        if (!queues_[p].empty() && owner_[p] >= 0)
            consumers_[static_cast<std::size_t>(owner_[p])].ready.push(static_cast<std::uint32_t>(p));
        if (paused_) {
            if (awaiting_in_flight_ && in_flight_ == 0) {
                awaiting_in_flight_ = false;
                rebalance(t);
            }
            return;
        }
        if (static_cast<std::int64_t>(consumer) < members_) find_work(consumer, t);
    }

    // The next of the consumer's ready partitions, in turn.
    void find_work(std::size_t consumer, double t) {
        Consumer& k = consumers_[consumer];
        if (k.ready.empty()) return;
        const std::size_t p = k.ready.front();
        k.ready.pop();
        start(consumer, p, t);
    }

    // Runs when the pause is over and no message is in service (so no partition changes
    // hands with a message in flight, and per-key order holds).
    void rebalance(double t) {
        const std::vector<std::int64_t> previous = owner_;
        owner_ = assign_partitions(c_.partitions, members_, c_.assignment, previous);
        for (std::size_t p = 0; p < owner_.size(); ++p) moved_ += owner_[p] != previous[p] ? 1 : 0;
        pause_s_ += std::max(0.0, t - window_start(pause_start_));
        ++rebalances_;
        paused_ = false;
        apply_assignment();
        for (std::int64_t m = 0; m < members_; ++m) {
            if (consumers_[static_cast<std::size_t>(m)].serving < 0) find_work(static_cast<std::size_t>(m), t);
        }
    }

    // Rebuilds the ready lists for owner_ (no message is in service here): each member's
    // first turn starts at its lowest partition.
    void apply_assignment() {
        for (auto& k : consumers_) k.ready = RingQueue<std::uint32_t>();
        for (std::size_t p = 0; p < owner_.size(); ++p) {
            if (owner_[p] >= 0 && !queues_[p].empty())
                consumers_[static_cast<std::size_t>(owner_[p])].ready.push(static_cast<std::uint32_t>(p));
        }
    }

    // True when, in the group's final assignment and at the final produce rate, some member
    // is offered at least consume_rate msg/s (or a loaded partition has no member): its
    // backlog grows without bound however long the run, so the result is unstable (inf
    // latencies), as a closed form would say, even when the run ends before the backlog cap.
    bool overloaded(double stop_s) const {
        std::size_t segment = 0;
        while (segment < c_.profile_times.size() && c_.profile_times[segment] <= stop_s) ++segment;
        const double rate = segment == 0 ? c_.produce_rate : c_.profile_rates[segment - 1];
        if (!(rate > 0.0)) return false;
        double total = 0.0;
        for (double w : c_.partition_weights) total += w;
        std::int64_t members = 0;
        for (std::int64_t o : owner_) members = std::max(members, o + 1);
        std::vector<double> load(static_cast<std::size_t>(members), 0.0);
        for (std::size_t p = 0; p < owner_.size(); ++p) {
            const double share = c_.partition_weights.empty() ? 1.0 / static_cast<double>(owner_.size())
                                                              : c_.partition_weights[p] / total;
            if (share <= 0.0) continue;
            if (owner_[p] < 0) return true;  // produced to, consumed by nobody
            load[static_cast<std::size_t>(owner_[p])] += rate * share;
        }
        for (double l : load)
            if (!(l < c_.consume_rate)) return true;
        return false;
    }

    Replication finish(double stop_s, bool overflow) {
        const bool unstable = overflow || overloaded(stop_s);
        const double window = stop_s - c_.warmup_s;
        for (std::size_t p = 0; p < queues_.size(); ++p) touch_partition(p, stop_s);
        out_.busy_fraction.resize(consumers_.size());
        for (std::size_t i = 0; i < consumers_.size(); ++i) {
            Consumer& k = consumers_[i];
            if (k.serving >= 0) k.busy_s += std::max(0.0, stop_s - window_start(k.busy_since));
            out_.busy_fraction[i] = window > 0 ? k.busy_s / window : kNaN;
        }
        out_.partition_lag.resize(queues_.size());
        for (std::size_t p = 0; p < queues_.size(); ++p) out_.partition_lag[p] = window > 0 ? part_area_[p] / window : kNaN;
        // Measured but never reached (or the backlog overflowed): inf, not NaN, so a mean over
        // replications is not the mean over only the ones that happened to drain.
        if (std::isnan(drain_s_) && !std::isnan(c_.drain_from_s) && (overflow || c_.drain_from_s <= stop_s))
            drain_s_ = kInf;
        const double consumed = static_cast<double>(consumed_);
        out_.metrics = {
            window > 0 ? consumed / window : kNaN,
            window > 0 ? static_cast<double>(produced_) / window : kNaN,
            window > 0 ? lag_area_ / window : kNaN,
            static_cast<double>(max_lag_),
            static_cast<double>(lag_),
            unstable ? kInf : consumed_ > 0 ? latency_sum_ / consumed : kNaN,
            unstable ? kInf : out_.latency.quantile(0.5),
            unstable ? kInf : out_.latency.quantile(0.99),
            drain_s_,
            static_cast<double>(produced_),
            consumed,
            static_cast<double>(rebalances_),
            static_cast<double>(moved_),
            pause_s_ + (paused_ ? std::max(0.0, stop_s - window_start(pause_start_)) : 0.0),
            unstable ? 1.0 : 0.0,
            window,
            static_cast<double>(events_),
        };
        out_.final_owner = owner_;
        return std::move(out_);
    }

    const ConsumerGroupConfig& c_;
    const Progress* progress_;  // the caller's, or nullptr
    std::int64_t since_check_ = 0;
    Rng rng_;
    std::unique_ptr<AliasTable> alias_;
    std::vector<RingQueue<double>> queues_;
    std::vector<char> in_service_;
    std::vector<double> part_area_, part_last_;
    std::vector<Consumer> consumers_;
    std::vector<std::int64_t> owner_;
    EventQueue<std::uint32_t> completions_;
    std::size_t samples_, next_sample_ = 0, segment_ = 0;
    std::int64_t members_;
    double mean_service_s_;
    bool paused_ = false;
    std::int64_t lag_ = 0, max_lag_ = 0, produced_ = 0, consumed_ = 0, rebalances_ = 0, moved_ = 0, events_ = 0;
    std::int64_t in_flight_ = 0;  // consumers with a message in service
    bool awaiting_in_flight_ = false;
    double pause_end_ = kInf, pause_start_ = 0.0, pause_s_ = 0.0;
    double next_mark_ = -kInf;  // forces the first advance_to through the full checks
    double last_t_ = -kInf, lag_area_ = 0.0, latency_sum_ = 0.0, drain_s_ = kNaN;
    Replication out_;
};

std::int64_t most_members(const ConsumerGroupConfig& c) {
    std::int64_t members = c.consumers, most = c.consumers;
    for (const auto& e : c.events) most = std::max(most, members += e.change);
    return most;
}

}  // namespace

std::vector<std::int64_t> assign_partitions(std::int64_t partitions, std::int64_t consumers, Assignor assignor,
                                            const std::vector<std::int64_t>& previous) {
    check_count("partitions", partitions, 1, kMaxMembers);
    check_count("consumers", consumers, 0, kMaxMembers);
    if (!previous.empty() && static_cast<std::int64_t>(previous.size()) != partitions)
        throw std::invalid_argument("previous must have one owner per partition");
    std::vector<std::int64_t> owner(static_cast<std::size_t>(partitions), -1);
    if (consumers == 0) return owner;
    const std::int64_t base = partitions / consumers, extra = partitions % consumers;
    switch (assignor) {
        case Assignor::range: {
            std::int64_t p = 0;
            for (std::int64_t m = 0; m < consumers; ++m) {
                const std::int64_t count = base + (m < extra ? 1 : 0);
                for (std::int64_t i = 0; i < count; ++i) owner[static_cast<std::size_t>(p++)] = m;
            }
            return owner;
        }
        case Assignor::round_robin:
            for (std::int64_t p = 0; p < partitions; ++p) owner[static_cast<std::size_t>(p)] = p % consumers;
            return owner;
        case Assignor::sticky: {
            // Quotas of base or base + 1; the members holding the most keep the larger quotas.
            std::vector<std::int64_t> held(static_cast<std::size_t>(consumers), 0);
            for (std::int64_t o : previous)
                if (o >= 0 && o < consumers) ++held[static_cast<std::size_t>(o)];
            std::vector<std::int64_t> order(static_cast<std::size_t>(consumers));
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
                return held[static_cast<std::size_t>(a)] > held[static_cast<std::size_t>(b)];
            });
            std::vector<std::int64_t> quota(static_cast<std::size_t>(consumers), base);
            for (std::int64_t i = 0; i < extra; ++i) ++quota[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
            std::vector<std::int64_t> kept(static_cast<std::size_t>(consumers), 0);
            for (std::size_t p = 0; p < previous.size(); ++p) {
                const std::int64_t o = previous[p];
                if (o >= 0 && o < consumers && kept[static_cast<std::size_t>(o)] < quota[static_cast<std::size_t>(o)]) {
                    owner[p] = o;
                    ++kept[static_cast<std::size_t>(o)];
                }
            }
            // Free partitions go round robin to the members still below their quota.
            std::int64_t m = 0;
            for (std::size_t p = 0; p < owner.size(); ++p) {
                if (owner[p] >= 0) continue;
                while (kept[static_cast<std::size_t>(m)] >= quota[static_cast<std::size_t>(m)]) m = (m + 1) % consumers;
                owner[p] = m;
                ++kept[static_cast<std::size_t>(m)];
                m = (m + 1) % consumers;
            }
            return owner;
        }
    }
    throw std::invalid_argument("assignment must be range, round_robin or sticky");
}

void validate(const ConsumerGroupConfig& c) {
    check_count("partitions", c.partitions, 1, kMaxMembers);
    check_count("consumers", c.consumers, 1, kMaxMembers);
    check_nonnegative("produce_rate", c.produce_rate);
    check_positive("consume_rate", c.consume_rate);
    check_positive("duration_s", c.duration_s);
    check_nonnegative("warmup_s", c.warmup_s);
    if (!(c.warmup_s < c.duration_s)) detail::fail_range("warmup_s", "below duration_s", c.warmup_s);
    check_nonnegative("rebalance_s", c.rebalance_s);
    check_nonnegative("sample_interval_s", c.sample_interval_s);
    if (c.sample_interval_s > 0 && c.duration_s / c.sample_interval_s > static_cast<double>(kMaxSamples))
        detail::fail_range("sample_interval_s", "at least duration_s / 1e6", c.sample_interval_s);
    if (!std::isnan(c.drain_from_s)) check_nonnegative("drain_from_s", c.drain_from_s);
    check_nonnegative("drain_threshold", c.drain_threshold);
    if (!enum_known(c.assignment))
        throw std::invalid_argument("assignment must be range, round_robin or sticky");
    if (!enum_known(c.service))
        throw std::invalid_argument("service must be exponential or deterministic");
    if (c.profile_times.size() != c.profile_rates.size())
        throw std::invalid_argument("rate_profile times and rates must have equal length");
    for (std::size_t i = 0; i < c.profile_times.size(); ++i) {
        check_nonnegative("rate_profile times", c.profile_times[i]);
        check_nonnegative("rate_profile rates", c.profile_rates[i]);
        if (i > 0 && !(c.profile_times[i] > c.profile_times[i - 1]))
            throw std::invalid_argument("rate_profile times must be strictly increasing");
    }
    if (!c.partition_weights.empty()) {
        if (static_cast<std::int64_t>(c.partition_weights.size()) != c.partitions)
            throw std::invalid_argument("partition_weights must have one weight per partition");
        double total = 0;
        for (double w : c.partition_weights) total += check_nonnegative("partition_weights", w);
        if (!(total > 0)) throw std::invalid_argument("partition_weights must not all be zero");
        if (!std::isfinite(total)) throw std::invalid_argument("partition_weights must have a finite sum");
    }
    std::int64_t members = c.consumers;
    double last = 0;
    for (const auto& e : c.events) {
        check_nonnegative("events time", e.time);
        if (e.time < last) throw std::invalid_argument("events must be sorted by time");
        last = e.time;
        if (e.change < -(kMaxMembers) || e.change > (kMaxMembers))
            detail::fail_range("events change", "between -2^20 and 2^20", e.change);
        members += e.change;
        if (members < 0 || members > (kMaxMembers))
            detail::fail_range("consumers after events", "between 0 and 2^20", members);
    }
}

ConsumerGroupResult simulate_consumer_group(const ConsumerGroupConfig& config, const RunSpec& run) {
    validate(config);
    run.validate();
    const std::int64_t replications = check_count("replications", run.replications, 1, 1'000'000);
    const std::uint64_t seed = run.seed;
    const auto members = static_cast<std::size_t>(most_members(config));
    const std::size_t samples =
        config.sample_interval_s > 0 ? static_cast<std::size_t>(std::floor(config.duration_s / config.sample_interval_s)) + 1 : 0;
    const auto reps = static_cast<std::size_t>(replications);
    const auto parts = static_cast<std::size_t>(config.partitions);
    const double values = static_cast<double>(replications) * static_cast<double>(samples + parts + members);
    if (values > kMaxResultValues) {
        std::ostringstream msg;
        msg << "replications x (lag samples + partitions + members) must be at most 2^27 (1 GiB of results), got "
            << replications << " x (" << samples << " + " << parts << " + " << members
            << "); use fewer replications or a longer sample_interval_s";
        throw std::invalid_argument(msg.str());
    }

    ConsumerGroupResult result;
    result.replications = replications;
    result.metrics.assign(broker_metric_names().size(), std::vector<double>(reps, kNaN));
    result.busy_fraction.assign(members, std::vector<double>(reps, kNaN));
    result.partition_lag.assign(parts, std::vector<double>(reps, kNaN));
    result.lag_series.assign(samples, std::vector<double>(reps, kNaN));
    for (std::size_t k = 0; k < samples; ++k) result.sample_times.push_back(static_cast<double>(k) * config.sample_interval_s);
    std::mutex merge;
    const Progress* progress = Progress::current();  // thread-local: read on the calling thread
    parallel_for(replications, run.threads, [&](std::int64_t r) {
        Replication out = Simulation(config, seed, r, members, samples, progress).run();
        const auto i = static_cast<std::size_t>(r);
        for (std::size_t m = 0; m < out.metrics.size(); ++m) result.metrics[m][i] = out.metrics[m];
        for (std::size_t m = 0; m < members; ++m) result.busy_fraction[m][i] = out.busy_fraction[m];
        for (std::size_t p = 0; p < parts; ++p) result.partition_lag[p][i] = out.partition_lag[p];
        for (std::size_t k = 0; k < samples; ++k) result.lag_series[k][i] = out.lag_series[k];
        std::lock_guard<std::mutex> lock(merge);  // integer sums: the order does not matter
        result.latency.merge(out.latency);
        if (r == 0) result.final_owner = out.final_owner;
    });
    return result;
}

}  // namespace scalemodel::sim
