#include <cmath>
#include <string>

#include "binding.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/sim/cache.hpp"

namespace scalemodel::bindings {

namespace {

namespace s = scalemodel::sim;

s::SizeSpec size_spec(int kind, double a, double b) {
    if (kind < 0 || kind > 3) throw std::invalid_argument("sizes kind must be fixed, uniform, lognormal or pareto");
    return {static_cast<s::SizeKind>(kind), a, b};
}

}  // namespace

void register_sim_cache(py::module_& m) {
    m.attr("MAX_CATALOGUE") = s::kMaxCatalogue;

    m.def(
        "simulate_cache",
        [](int policy, std::int64_t capacity_items, double capacity_bytes, std::int64_t catalogue_size,
           double zipf_alpha, std::int64_t churn_interval, std::int64_t churn_shift, const i64_array& trace,
           bool use_trace, std::int64_t requests, std::int64_t warmup, double ttl_s, double request_rate,
           double hit_latency_s, double miss_latency_s, double latency_quantile, int size_kind, double size_a,
           double size_b, std::int64_t replications, std::uint64_t seed, int threads) {
            s::CacheConfig c;
            if (policy < 0 || policy > 3) throw std::invalid_argument("policy must be one of lru, lfu, fifo, ttl");
            c.policy = static_cast<s::CachePolicy>(policy);
            c.capacity_items = capacity_items;
            c.capacity_bytes = capacity_bytes;
            c.catalogue_size = catalogue_size;
            c.zipf_alpha = zipf_alpha;
            c.churn_interval = churn_interval;
            c.churn_shift = churn_shift;
            if (use_trace) {
                c.trace = trace.data();
                c.trace_size = trace.size();
            }
            c.requests = requests;
            c.warmup = warmup;
            c.ttl_s = ttl_s;
            c.request_rate = request_rate;
            c.hit_latency_s = hit_latency_s;
            c.miss_latency_s = miss_latency_s;
            c.latency_quantile = latency_quantile;
            c.sizes = size_spec(size_kind, size_a, size_b);
            s::CacheResult r;
            {
                py::gil_scoped_release release;
                r = s::simulate_cache(c, replications, seed, threads);
            }
            return named(s::cache_metric_names(), r.metrics);
        },
        py::arg("policy"), py::arg("capacity_items"), py::arg("capacity_bytes"), py::arg("catalogue_size"),
        py::arg("zipf_alpha"), py::arg("churn_interval"), py::arg("churn_shift"), py::arg("trace"),
        py::arg("use_trace"), py::arg("requests"), py::arg("warmup"), py::arg("ttl_s"), py::arg("request_rate"),
        py::arg("hit_latency_s"), py::arg("miss_latency_s"), py::arg("latency_quantile"), py::arg("size_kind"),
        py::arg("size_a"), py::arg("size_b"), py::arg("replications"), py::arg("seed"), py::arg("threads"));

    m.def(
        "zipf_requests",
        [](std::int64_t catalogue_size, double zipf_alpha, std::int64_t count, std::int64_t churn_interval,
           std::int64_t churn_shift, std::uint64_t seed, std::uint64_t replication) {
            check_count("count", count, 0, std::int64_t{1} << 40);
            s::RequestStream stream(catalogue_size, zipf_alpha, churn_interval, churn_shift, seed, replication);
            py::array_t<std::int64_t> out(static_cast<py::ssize_t>(count));
            std::int64_t* o = out.mutable_data();
            py::gil_scoped_release release;
            for (std::int64_t j = 0; j < count; ++j) o[j] = stream.next();
            return out;
        },
        py::arg("catalogue_size"), py::arg("zipf_alpha"), py::arg("count"), py::arg("churn_interval"),
        py::arg("churn_shift"), py::arg("seed"), py::arg("replication"));

    m.def(
        "item_sizes",
        [](int kind, double a, double b, std::uint64_t seed, const i64_array& items) {
            const s::SizeSpec spec = size_spec(kind, a, b);
            s::validate(spec);
            return map_elements<double>([&](std::int64_t item) { return s::item_size(spec, seed, item); }, items);
        },
        py::arg("kind"), py::arg("a"), py::arg("b"), py::arg("seed"), py::arg("items"));

    m.def(
        "che_approximation",
        [](const f64_array& alpha, const i64_array& n, const f64_array& capacity, int policy) {
            const py::ssize_t size = common_size({alpha.size(), n.size(), capacity.size()});
            py::array_t<double> t(size), hit(size);
            const double *a = alpha.data(), *c = capacity.data();
            const std::int64_t* nn = n.data();
            double *to = t.mutable_data(), *ho = hit.mutable_data();
            for_each_element(size, [&](py::ssize_t i) {
                const s::CheResult r = s::che_approximation(a[i], nn[i], c[i], static_cast<s::CachePolicy>(policy));
                to[i] = r.characteristic_time;
                ho[i] = r.hit_ratio;
            });
            return py::make_tuple(t, hit);
        },
        py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("capacity"), py::arg("policy"));

    m.def(
        "ttl_hit_ratio",
        [](const f64_array& alpha, const i64_array& n, const f64_array& ttl, const f64_array& rate) {
            return map_elements<double>(s::ttl_hit_ratio, alpha, n, ttl, rate);
        },
        py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("ttl_s"), py::arg("request_rate"));

    m.def(
        "top_share",
        [](const f64_array& alpha, const i64_array& n, const f64_array& fraction) {
            return map_elements<double>(s::top_share, alpha, n, fraction);
        },
        py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("fraction"));

    m.def(
        "items_for_share",
        [](const f64_array& alpha, const i64_array& n, const f64_array& share) {
            return map_elements<double>(s::items_for_share, alpha, n, share);
        },
        py::arg("zipf_alpha"), py::arg("catalogue_size"), py::arg("share"));

    m.def(
        "zipf_alpha_for_share",
        [](const i64_array& n, const f64_array& fraction, const f64_array& share) {
            return map_elements<double>(s::zipf_alpha_for_share, n, fraction, share);
        },
        py::arg("catalogue_size"), py::arg("fraction"), py::arg("share"));

    m.def(
        "zipf_partial_sum",
        [](std::int64_t first, std::int64_t last, double alpha) { return s::zipf_partial_sum(first, last, alpha); },
        py::arg("first"), py::arg("last"), py::arg("zipf_alpha"));

    m.def(
        "write_policy_load",
        [](int policy, const f64_array& read_rate, const f64_array& write_rate, const f64_array& hit_ratio,
           const f64_array& cache_latency, const f64_array& db_read_latency, const f64_array& db_write_latency,
           double quantile) {
            const py::ssize_t size = common_size({read_rate.size(), write_rate.size(), hit_ratio.size(),
                                                  cache_latency.size(), db_read_latency.size(),
                                                  db_write_latency.size()});
            if (policy < 0 || policy > 2)
                throw std::invalid_argument("policy must be cache_aside, write_through or write_behind");
            static const char* names[] = {"db_reads_per_s",       "db_writes_per_s", "mean_read_latency_s",
                                          "mean_write_latency_s", "mean_latency_s",  "quantile_latency_s"};
            std::vector<py::array_t<double>> cols;
            std::vector<double*> ptrs;
            for (int k = 0; k < 6; ++k) {
                cols.emplace_back(size);
                ptrs.push_back(cols.back().mutable_data());
            }
            const double *r = read_rate.data(), *w = write_rate.data(), *h = hit_ratio.data(), *c = cache_latency.data(),
                         *dr = db_read_latency.data(), *dw = db_write_latency.data();
            for_each_element(size, [&](py::ssize_t i) {
                const s::WritePolicyLoad l = s::write_policy_load(static_cast<s::WritePolicy>(policy), r[i], w[i], h[i],
                                                                  c[i], dr[i], dw[i], quantile);
                const double v[6] = {l.db_reads_per_s,       l.db_writes_per_s, l.mean_read_latency_s,
                                     l.mean_write_latency_s, l.mean_latency_s,  l.quantile_latency_s};
                for (int k = 0; k < 6; ++k) ptrs[static_cast<std::size_t>(k)][i] = v[k];
            });
            py::dict out;
            for (int k = 0; k < 6; ++k) out[names[k]] = cols[static_cast<std::size_t>(k)];
            return out;
        },
        py::arg("policy"), py::arg("read_rate"), py::arg("write_rate"), py::arg("hit_ratio"),
        py::arg("cache_latency_s"), py::arg("db_read_latency_s"), py::arg("db_write_latency_s"), py::arg("quantile"));

    m.def(
        "cdn_staleness",
        [](const f64_array& ttl, const f64_array& lo, const f64_array& hi) {
            const py::ssize_t size = common_size({ttl.size(), lo.size(), hi.size()});
            py::array_t<double> worst(size), mean(size);
            const double *t = ttl.data(), *a = lo.data(), *b = hi.data();
            double *wo = worst.mutable_data(), *mo = mean.mutable_data();
            for_each_element(size, [&](py::ssize_t i) {
                const s::Staleness st = s::cdn_staleness(t[i], a[i], b[i]);
                wo[i] = st.worst_s;
                mo[i] = st.mean_s;
            });
            return py::make_tuple(worst, mean);
        },
        py::arg("ttl_s"), py::arg("invalidation_min_s"), py::arg("invalidation_max_s"));
}

}  // namespace scalemodel::bindings
