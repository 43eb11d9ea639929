// Durability: how many acknowledged writes a crash destroys under write-behind caching,
// Redis RDB snapshots or AOF, and Kafka's acks settings under broker failures.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scalemodel/core/distribution.hpp"
#include "scalemodel/core/fields.hpp"
#include "scalemodel/core/run_spec.hpp"
#include "scalemodel/reliability/summary.hpp"

namespace scalemodel::reliability {

struct LossBounds {
    double expected_per_crash = 0.0;  // crash at a uniformly random time
    double worst_per_crash = 0.0;
    double backlog_growth_per_s = 0.0;  // > 0: the flusher falls behind and losses grow without bound

    SCALEMODEL_FIELDS(LossBounds, expected_per_crash, worst_per_crash, backlog_growth_per_s)
};

// A worker flushes up to `batch_size` queued writes (0 = all of them), taking
// flush_duration_s, then sleeps flush_interval_s. A crash loses the queue and the batch
// being flushed. Cycle C = duration + interval: expected rate (C/2 + duration), worst
// rate (C + duration). When rate x C > batch_size the backlog grows at
// rate - batch_size / C and both are infinite.
LossBounds write_behind_loss(double write_rate, double flush_interval_s, double flush_duration_s, double batch_size);

// Redis AOF: "always" fsyncs before replying (at most the one command in flight is lost);
// "everysec" fsyncs once a second: expected rate / 2, worst 2 x rate (Redis postpones a
// write for up to 2 s when a previous fsync is still running). Those are the losses of a
// machine crash (power, kernel): the page cache is lost. A process crash (SIGKILL, OOM
// kill) loses no acknowledged write under either policy: Redis write()s the AOF buffer to
// the kernel before it replies, and the kernel keeps it.
enum class Fsync { always, everysec };
enum class Crash { process, machine };
LossBounds aof_loss(double write_rate, Fsync fsync, Crash crash = Crash::machine);

struct RdbConfig {
    double write_rate = 0.0;                            // Poisson writes per second
    std::vector<std::pair<double, std::int64_t>> rules;  // (seconds, changes): save when both are reached
    std::int64_t cycles = 1 << 14;                      // simulated save cycles

    SCALEMODEL_FIELDS(RdbConfig, write_rate, rules, cycles)
};

// Simulates RDB save cycles with Poisson writes: a save starts as soon as some rule has
// both its time and its change count; a crash loses the writes since the last save
// started. Renewal-reward gives the loss at a crash at a uniformly random time.
// Metrics per chunk of 256 cycles (the chunks are the replications; their count comes from
// `cycles`, and run.replications is not used): expected_per_crash, cycle_s,
// writes_per_cycle. Values: worst_per_crash (largest cycle seen), fluid_cycle_s (min over
// rules of max(seconds, changes / rate)), fluid_worst_per_crash.
Summary simulate_rdb(const RdbConfig& cfg, const RunSpec& run);

// Redis RDB snapshots on the schedule Redis 7 runs them, for a crash at a given moment.
// Writes come at a constant write_rate from time 0 (write i at i / write_rate, acknowledged
// at once); nothing is unsaved at time 0. The unix clock reads clock_s + t, and Redis keeps
// it in whole seconds; last_save_unix_s is the whole second of the last save before time 0
// (the server's start counts as one; Redis's rdb_last_save_time). serverCron runs at
// cron_offset_s + k / hz (k = 0, 1, ...): with no save running, a tick starts one when some
// rule (seconds, changes) has at least `changes` unsaved writes and floor(clock) minus the
// last save's second is MORE than `seconds` (whole seconds, so a rule fires between seconds
// and seconds + 1 after the last save; at a steady pace a cycle is seconds + 1 plus whole
// seconds of the save and cron delays). A save holds the writes up to its start (the fork)
// and replaces the file bgsave_s later (written, fsynced, renamed, its directory fsynced:
// a process and a machine crash lose the same); the next tick reaps it: the last save's
// second becomes that tick's, and the writes made during the save stay unsaved.
struct RdbScheduleConfig {
    double write_rate = 0.0;
    std::vector<std::pair<double, std::int64_t>> rules;
    double bgsave_s = 0.0;
    double hz = 10.0;
    double clock_s = 0.0;
    double last_save_unix_s = 0.0;
    double cron_offset_s = 0.0;
    double horizon_s = 0.0;  // saves scheduled up to this time

    SCALEMODEL_FIELDS(RdbScheduleConfig, write_rate, rules, bgsave_s, hz, clock_s, last_save_unix_s, cron_offset_s,
                      horizon_s)
};

struct RdbSchedule {
    std::vector<double> start_s, done_s, reaped_s;  // each save's fork, file replaced, reaped by cron
    std::vector<double> writes;                     // writes the save holds (all since time 0)
};
RdbSchedule rdb_schedule(const RdbScheduleConfig& cfg);

// Writes lost by a crash at each of crash_s (at most horizon_s): the writes acknowledged after
// the fork of the last save whose file was in place, all of them if none was; and that fork's
// time (NaN: none).
struct RdbCrashLoss {
    std::vector<double> lost, snapshot_s;
};
RdbCrashLoss rdb_crash_loss(const RdbScheduleConfig& cfg, const std::vector<double>& crash_s);

// Kafka's acks setting, by the names "0", "1" and "all" (or "-1"), as Kafka spells it.
enum class Acks { none, leader, all };

}  // namespace scalemodel::reliability

template <>
struct scalemodel::EnumNames<scalemodel::reliability::Fsync> {
    static const char* what() { return "fsync"; }
    static std::vector<std::string> names() { return {"always", "everysec"}; }
};

template <>
struct scalemodel::EnumNames<scalemodel::reliability::Crash> {
    static const char* what() { return "crash"; }
    static std::vector<std::string> names() { return {"process", "machine"}; }
};

template <>
struct scalemodel::EnumNames<scalemodel::reliability::Acks> {
    static const char* what() { return "acks"; }
    static std::vector<std::string> names() { return {"0", "1", "all"}; }
    static std::vector<std::pair<std::string, scalemodel::reliability::Acks>> aliases() {
        return {{"-1", scalemodel::reliability::Acks::all}};
    }
};

namespace scalemodel::reliability {

struct KafkaConfig {
    Acks acks = Acks::all;
    std::int64_t replication_factor = 3;
    std::int64_t min_insync_replicas = 2;  // acks=all refuses writes with fewer in-sync replicas up
    bool unclean_leader_election = false;  // let an out-of-sync replica lead when no in-sync one is up
    double broker_mtbf_s = 30.0 * 86400.0;  // mean time between failures of a broker
    Distribution broker_repair = Distribution::exponential(3600.0);  // time a failed broker stays down (its log survives)
    Distribution follower_lag = Distribution::deterministic(0.05);   // how far followers trail the leader (acks=0/1 loss window)
    double producer_window_s = 0.0;  // acks=0: messages sent into a dead leader before the producer notices
    double message_rate = 0.0;       // messages per second to the partition
    double horizon_s = 0.0;

    SCALEMODEL_FIELDS(KafkaConfig, acks, replication_factor, min_insync_replicas, unclean_leader_election,
                      broker_mtbf_s, broker_repair, follower_lag, producer_window_s, message_rate, horizon_s)
};

// One partition's replicas fail and recover; followers that recover catch up at once.
// Metrics per replication (run.replications, at least 2): lost_per_day (messages),
// loss_events_per_year, write_unavailable (fraction of time writes are refused or the
// partition is offline). Values: worst_loss_per_event.
Summary simulate_kafka(const KafkaConfig& cfg, const RunSpec& run);

}  // namespace scalemodel::reliability
