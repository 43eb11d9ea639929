#include "scalemodel/queueing/network.hpp"

#include <stdexcept>
#include <string>

#include "scalemodel/core/check.hpp"
#include "scalemodel/queueing/mmc.hpp"

namespace scalemodel::queueing {

JacksonResult jackson(const Eigen::VectorXd& external_arrivals, const Eigen::MatrixXd& routing,
                      const Eigen::VectorXd& service_rates, const std::vector<std::int64_t>& servers) {
    const Eigen::Index n = external_arrivals.size();
    if (n == 0) throw std::invalid_argument("external_arrivals must name at least one station");
    if (routing.rows() != n || routing.cols() != n) {
        throw std::invalid_argument("routing must be a square matrix with one row per station (" +
                                    std::to_string(n) + ")");
    }
    if (service_rates.size() != n || static_cast<Eigen::Index>(servers.size()) != n) {
        throw std::invalid_argument("service_rates and servers must have one entry per station");
    }
    for (Eigen::Index i = 0; i < n; ++i) {
        check_nonnegative("external_arrivals", external_arrivals[i]);
        check_positive("service_rates", service_rates[i]);
        check_count("servers", servers[static_cast<std::size_t>(i)], 1);
        double row = 0.0;
        for (Eigen::Index j = 0; j < n; ++j) row += check_probability("routing", routing(i, j));
        if (row > 1.0 + 1e-12) detail::fail_range("each row of routing", "a sum <= 1", row);
    }
    const double total_in = external_arrivals.sum();
    if (!(total_in > 0.0)) throw std::invalid_argument("external_arrivals must have a positive sum");

    const Eigen::MatrixXd system = Eigen::MatrixXd::Identity(n, n) - routing.transpose();
    Eigen::FullPivLU<Eigen::MatrixXd> lu(system);
    if (!lu.isInvertible()) {
        throw std::invalid_argument("routing traps requests: from every station there must be a path out of the network");
    }
    JacksonResult r;
    r.arrival_rate = lu.solve(external_arrivals);
    for (Eigen::Index i = 0; i < n; ++i) {
        // Tiny negative round-off is zero; anything else means requests never leave.
        if (r.arrival_rate[i] < -1e-9 * total_in || !std::isfinite(r.arrival_rate[i])) {
            throw std::invalid_argument("routing traps requests: from every station there must be a path out of the network");
        }
        if (r.arrival_rate[i] < 0.0) r.arrival_rate[i] = 0.0;
    }
    r.throughput = total_in;
    // Ratios to the total input: through a scale when the total overflows (rates near
    // 1e308 each), so visits and the mean response stay numbers, not inf / inf.
    const double scale = std::isfinite(total_in) ? 1.0 : external_arrivals.maxCoeff();
    const double scaled_in = std::isfinite(total_in) ? total_in : (external_arrivals / scale).sum();
    r.visits = std::isfinite(total_in) ? Eigen::VectorXd(r.arrival_rate / total_in)
                                       : Eigen::VectorXd((r.arrival_rate / scale) / scaled_in);
    for (Eigen::Index i = 0; i < n; ++i) {
        const MMc station(r.arrival_rate[i], service_rates[i], servers[static_cast<std::size_t>(i)]);
        r.stations.push_back(station.metrics());
        r.stable = r.stable && station.metrics().stable;
        r.mean_in_system += station.metrics().mean_in_system;
    }
    r.mean_response = r.mean_in_system / scale / scaled_in;
    return r;
}

MvaResult mva(const Eigen::VectorXd& demands, const std::vector<bool>& is_delay, std::int64_t population,
              double think_time) {
    const Eigen::Index k = demands.size();
    if (k == 0) throw std::invalid_argument("demands must name at least one station");
    if (static_cast<Eigen::Index>(is_delay.size()) != k) {
        throw std::invalid_argument("delay must have one entry per station");
    }
    for (Eigen::Index i = 0; i < k; ++i) check_nonnegative("demands", demands[i]);
    check_count("population", population, 1);
    // The result holds a row per population: bound its size (3 matrices of population x stations).
    if (static_cast<double>(population) * static_cast<double>(k) > 2.5e7) {
        throw std::invalid_argument("population x stations must be at most 2.5e7 (the result has a row per "
                                    "population), got " + std::to_string(population) + " x " + std::to_string(k));
    }
    check_nonnegative("think_time", think_time);
    if (!(demands.sum() + think_time > 0.0)) {
        throw std::invalid_argument("demands and think_time must not all be zero");
    }
    MvaResult r;
    r.throughput.resize(population);
    r.response.resize(population);
    r.residence.resize(population, k);
    r.queue_length.resize(population, k);
    r.utilization.resize(population, k);
    Eigen::VectorXd q = Eigen::VectorXd::Zero(k);  // queue lengths at population n - 1
    for (std::int64_t n = 1; n <= population; ++n) {
        // An arrival sees the network as it is with one request fewer (arrival theorem).
        Eigen::VectorXd res(k);
        for (Eigen::Index i = 0; i < k; ++i) res[i] = is_delay[static_cast<std::size_t>(i)] ? demands[i] : demands[i] * (1.0 + q[i]);
        const double total = res.sum();
        const double x = static_cast<double>(n) / (think_time + total);
        q = x * res;
        const Eigen::Index row = n - 1;
        r.throughput[row] = x;
        r.response[row] = total;
        r.residence.row(row) = res.transpose();
        r.queue_length.row(row) = q.transpose();
        r.utilization.row(row) = x * demands.transpose();
    }
    return r;
}

}  // namespace scalemodel::queueing
