#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "binding.hpp"
#include "scalemodel/core/check.hpp"
#include "scalemodel/core/parallel.hpp"
#include "scalemodel/hashing/analysis.hpp"
#include "scalemodel/hashing/hash_functions.hpp"
#include "scalemodel/hashing/placement.hpp"

namespace scalemodel::bindings {

namespace {

namespace hs = scalemodel::hashing;

using u64_array = py::array_t<std::uint64_t, py::array::c_style | py::array::forcecast>;

// String keys packed once: UTF-8 (str) or raw (bytes) bytes end to end, and offsets.
struct PackedKeys {
    std::string bytes;
    std::vector<std::int64_t> offsets{0};

    explicit PackedKeys(const py::sequence& seq) {
        const auto n = static_cast<std::size_t>(py::len(seq));
        offsets.reserve(n + 1);
        for (std::size_t i = 0; i < n; ++i) {
            PyObject* o = PySequence_Fast_GET_ITEM(seq.ptr(), static_cast<Py_ssize_t>(i));
            append(o, i);
        }
    }
    void append(PyObject* o, std::size_t i) {
        const char* data = nullptr;
        Py_ssize_t len = 0;
        if (PyUnicode_Check(o)) {
            data = PyUnicode_AsUTF8AndSize(o, &len);
            if (data == nullptr) {  // a lone surrogate has no UTF-8 form
                PyErr_Clear();
                throw py::value_error("keys must be valid Unicode (str without lone surrogates; pass bytes "
                                      "for raw keys), got one that cannot be encoded as UTF-8 at index " +
                                      std::to_string(i));
            }
        } else if (PyBytes_Check(o)) {
            data = PyBytes_AS_STRING(o);
            len = PyBytes_GET_SIZE(o);
        } else {
            throw py::type_error("keys must be str or bytes, got " + std::string(Py_TYPE(o)->tp_name) + " at index " +
                                 std::to_string(i));
        }
        bytes.append(data, static_cast<std::size_t>(len));
        offsets.push_back(static_cast<std::int64_t>(bytes.size()));
    }
    std::int64_t size() const { return static_cast<std::int64_t>(offsets.size()) - 1; }
    hs::Keys keys() const { return hs::Keys::of_strings(bytes.data(), offsets.data(), size()); }
};

// Calls f(keys) with the GIL released; `obj` is PackedKeys or a uint64 array (converted first).
template <class F>
auto with_keys(const py::object& obj, F&& f) {
    if (py::isinstance<PackedKeys>(obj)) {
        const PackedKeys& p = obj.cast<const PackedKeys&>();
        py::gil_scoped_release release;
        return f(p.keys());
    }
    const auto arr = obj.cast<u64_array>();
    const hs::Keys k = hs::Keys::of_ints(arr.data(), arr.size());
    py::gil_scoped_release release;
    return f(k);
}

template <class T, class G>
py::array_t<T> per_key(const py::object& obj, int threads, G g) {
    py::ssize_t n = py::isinstance<PackedKeys>(obj) ? obj.cast<const PackedKeys&>().size() : obj.cast<u64_array>().size();
    py::array_t<T> out(n);
    T* o = out.mutable_data();
    with_keys(obj, [&](const hs::Keys& k) {
        constexpr std::int64_t block = 1 << 14;
        parallel_for((k.size + block - 1) / block, threads, [&](std::int64_t b) {
            const std::int64_t end = std::min(k.size, (b + 1) * block);
            for (std::int64_t i = b * block; i < end; ++i) o[i] = g(k, i);
        });
        return 0;
    });
    return out;
}

}  // namespace

void register_hashing(py::module_& m) {
    m.def("expected_ring_imbalance", &scalemodel::hashing::expected_ring_imbalance, py::arg("nodes"),
          py::arg("vnodes"), py::call_guard<py::gil_scoped_release>());
    m.attr("HAPROXY_PRNG_STATE") = hs::kHaproxyPrngState;
    m.def("haproxy_random_shares", [](const std::vector<std::int64_t>& weights) {
        return to_array(hs::haproxy_random_shares(weights));
    }, py::arg("weights"));
    m.def("haproxy_random_draws", [](const std::vector<std::int64_t>& weights, std::int64_t count, std::uint32_t state) {
        std::vector<std::int64_t> out;
        {
            py::gil_scoped_release release;
            out = hs::haproxy_random_draws(weights, count, state);
        }
        return to_array(out);
    }, py::arg("weights"), py::arg("count"), py::arg("state"));
    py::class_<PackedKeys>(m, "PackedKeys")
        .def(py::init([](const py::sequence& seq) {
                 // A fast sequence view (list/tuple without copying) for the element loop.
                 py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(seq.ptr(), "keys must be a sequence"));
                 if (!fast) throw py::error_already_set();
                 return PackedKeys(py::reinterpret_borrow<py::sequence>(fast));
             }),
             py::arg("keys"))
        .def("__len__", &PackedKeys::size)
        .def("to_list", [](const PackedKeys& p) {
            py::list out;
            for (std::int64_t i = 0; i < p.size(); ++i) {
                out.append(py::bytes(p.bytes.data() + p.offsets[static_cast<std::size_t>(i)],
                                     static_cast<std::size_t>(p.offsets[static_cast<std::size_t>(i) + 1] -
                                                              p.offsets[static_cast<std::size_t>(i)])));
            }
            return out;
        });

    // --- hash functions, one value per key ---------------------------------------------
    m.def("redis_slot", [](const py::object& keys, int threads) {
        return per_key<std::int64_t>(keys, threads, [](const hs::Keys& k, std::int64_t i) {
            char buf[20];
            return static_cast<std::int64_t>(k.strings ? hs::redis_slot(k.str(i)) : hs::redis_slot(hs::decimal(k.ints[i], buf)));
        });
    }, py::arg("keys"), py::arg("threads") = 0);
    m.def("kafka_murmur2", [](const py::object& keys, int threads) {
        return per_key<std::int32_t>(keys, threads, [](const hs::Keys& k, std::int64_t i) {
            return k.strings ? hs::kafka_murmur2(k.str(i)) : hs::kafka_murmur2(hs::big_endian(k.ints[i]));
        });
    }, py::arg("keys"), py::arg("threads") = 0);
    m.def("cassandra_token", [](const py::object& keys, int threads) {
        return per_key<std::int64_t>(keys, threads, [](const hs::Keys& k, std::int64_t i) {
            return k.strings ? hs::cassandra_token(k.str(i)) : hs::cassandra_token(hs::big_endian(k.ints[i]));
        });
    }, py::arg("keys"), py::arg("threads") = 0);
    m.def("xxh64", [](const py::object& keys, std::uint64_t seed, int threads) {
        return per_key<std::uint64_t>(keys, threads, [seed](const hs::Keys& k, std::int64_t i) {
            return k.strings ? hs::xxh64(k.str(i), seed) : hs::xxh64_u64(k.ints[i], seed);
        });
    }, py::arg("keys"), py::arg("seed") = 0, py::arg("threads") = 0);
    m.def("md5_prefix64", [](const py::object& keys, int threads) {
        // The first 8 bytes of each MD5 digest as a big-endian integer (the digest's hex prefix).
        return per_key<std::uint64_t>(keys, threads, [](const hs::Keys& k, std::int64_t i) {
            char buf[20];
            const auto d = k.strings ? hs::md5(k.str(i)) : hs::md5(hs::decimal(k.ints[i], buf));
            std::uint64_t v = 0;
            for (int b = 0; b < 8; ++b) v = (v << 8) | d[static_cast<std::size_t>(b)];
            return v;
        });
    }, py::arg("keys"), py::arg("threads") = 0);
    m.def("jump", [](const u64_array& keys, std::int64_t buckets, int threads) {
        check_count("buckets", buckets, 1, INT32_MAX);
        const auto b = static_cast<std::int32_t>(buckets);
        py::array_t<std::int32_t> out(keys.size());
        std::int32_t* o = out.mutable_data();
        const std::uint64_t* k = keys.data();
        const std::int64_t n = keys.size();
        py::gil_scoped_release release;
        constexpr std::int64_t block = 1 << 14;
        parallel_for((n + block - 1) / block, threads, [&](std::int64_t c) {
            const std::int64_t begin = c * block, end = std::min(n, begin + block);
            hs::jump_hash_batch(k + begin, end - begin, b, o + begin);
        });
        return out;
    }, py::arg("keys"), py::arg("buckets"), py::arg("threads") = 0);
    m.def("kafka_partition", [](const py::object& keys, std::int64_t partitions, int threads) {
        const hs::KafkaPartitioner s(partitions);
        py::ssize_t n = py::isinstance<PackedKeys>(keys) ? keys.cast<const PackedKeys&>().size() : keys.cast<u64_array>().size();
        py::array_t<std::int32_t> out(n);
        std::int32_t* o = out.mutable_data();
        with_keys(keys, [&](const hs::Keys& k) { hs::assign(s, k, o, threads); return 0; });
        return out;
    }, py::arg("keys"), py::arg("partitions"), py::arg("threads") = 0);

    // --- schemes -------------------------------------------------------------------------
    py::class_<hs::Scheme, std::shared_ptr<hs::Scheme>>(m, "Scheme")
        .def_property_readonly("nodes", &hs::Scheme::nodes)
        .def("nominal_shares", &hs::Scheme::nominal_shares)
        .def("assign", [](const hs::Scheme& s, const py::object& keys, int threads) {
            py::ssize_t n = py::isinstance<PackedKeys>(keys) ? keys.cast<const PackedKeys&>().size() : keys.cast<u64_array>().size();
            py::array_t<std::int32_t> out(n);
            std::int32_t* o = out.mutable_data();
            with_keys(keys, [&](const hs::Keys& k) { hs::assign(s, k, o, threads); return 0; });
            return out;
        }, py::arg("keys"), py::arg("threads") = 0);
    py::class_<hs::Modulo, hs::Scheme, std::shared_ptr<hs::Modulo>>(m, "Modulo")
        .def(py::init<std::int64_t>(), py::arg("nodes"));
    py::class_<hs::Jump, hs::Scheme, std::shared_ptr<hs::Jump>>(m, "Jump")
        .def(py::init<std::int64_t>(), py::arg("nodes"));
    py::class_<hs::KafkaPartitioner, hs::Scheme, std::shared_ptr<hs::KafkaPartitioner>>(m, "KafkaPartitioner")
        .def(py::init<std::int64_t>(), py::arg("partitions"));
    py::class_<hs::Ring, hs::Scheme, std::shared_ptr<hs::Ring>>(m, "Ring")
        .def(py::init<std::vector<std::string>, std::int64_t, std::vector<double>, const std::string&>(), py::arg("names"),
             py::arg("vnodes"), py::arg("weights"), py::arg("mode"))
        .def("arc_shares", &hs::Ring::arc_shares)
        .def("points_per_node", &hs::Ring::points_per_node)
        .def("locate", [](const hs::Ring& r, const py::object& keys) {
            // Each key's ring position and the point it lands on.
            py::ssize_t n = py::isinstance<PackedKeys>(keys) ? keys.cast<const PackedKeys&>().size() : keys.cast<u64_array>().size();
            py::array_t<std::uint64_t> pos(n), point(n);
            std::uint64_t *p = pos.mutable_data(), *q = point.mutable_data();
            with_keys(keys, [&](const hs::Keys& k) {
                for (std::int64_t i = 0; i < k.size; ++i) {
                    p[i] = r.position(k, i);
                    q[i] = r.point_at(r.successor(p[i]));
                }
                return 0;
            });
            return py::make_tuple(pos, point);
        }, py::arg("keys"));
    py::class_<hs::Rendezvous, hs::Scheme, std::shared_ptr<hs::Rendezvous>>(m, "Rendezvous")
        .def(py::init<std::vector<std::string>, std::vector<double>>(), py::arg("names"), py::arg("weights"));
    py::class_<hs::Maglev, hs::Scheme, std::shared_ptr<hs::Maglev>>(m, "Maglev")
        .def(py::init<std::vector<std::string>, std::int64_t>(), py::arg("names"), py::arg("table_size"))
        .def("table", &hs::Maglev::table)
        .def_static("populate", &hs::Maglev::populate, py::arg("offsets"), py::arg("skips"), py::arg("table_size"));
    py::class_<hs::BoundedLoad, hs::Scheme, std::shared_ptr<hs::BoundedLoad>>(m, "BoundedLoad")
        .def(py::init<std::vector<std::string>, std::int64_t, double>(), py::arg("names"), py::arg("vnodes"), py::arg("eps"))
        .def("capacity", &hs::BoundedLoad::capacity, py::arg("keys"));
    py::class_<hs::MultiProbe, hs::Scheme, std::shared_ptr<hs::MultiProbe>>(m, "MultiProbe")
        .def(py::init<std::vector<std::string>, std::int64_t>(), py::arg("names"), py::arg("probes"));
    py::class_<hs::RedisCluster, hs::Scheme, std::shared_ptr<hs::RedisCluster>>(m, "RedisCluster")
        .def(py::init<std::vector<std::int32_t>>(), py::arg("slot_owner"))
        .def_static("even_slots", &hs::RedisCluster::even_slots, py::arg("nodes"))
        .def("with_added_node", &hs::RedisCluster::with_added_node)
        .def("slot_owner", &hs::RedisCluster::slot_owner);

    py::class_<hs::CassandraRing, hs::Scheme, std::shared_ptr<hs::CassandraRing>>(m, "CassandraRing")
        .def(py::init<std::int64_t, std::int64_t, std::uint64_t>(), py::arg("nodes"), py::arg("num_tokens"), py::arg("seed"))
        .def("arc_shares", &hs::CassandraRing::arc_shares)
        .def("tokens", &hs::CassandraRing::tokens)
        .def("token_owners", &hs::CassandraRing::token_owners);

    // --- analysis ------------------------------------------------------------------------
    // A generated key stream, validated once here (kind, count, exponent); Python checks types.
    py::class_<hs::KeyStream>(m, "KeyStream", "A validated generated key stream.")
        .def(py::init([](const std::string& kind, std::int64_t count, std::uint64_t seed, std::uint64_t start,
                         double exponent) {
                 hs::KeyStream s{kind, count, seed, start, exponent};
                 s.validate();
                 return s;
             }),
             py::arg("kind"), py::arg("count"), py::arg("seed") = 0, py::arg("start") = 0, py::arg("exponent") = 1.0)
        .def_readonly("kind", &hs::KeyStream::kind)
        .def_readonly("count", &hs::KeyStream::count)
        .def_readonly("seed", &hs::KeyStream::seed)
        .def_readonly("start", &hs::KeyStream::start)
        .def_readonly("exponent", &hs::KeyStream::exponent);
    m.def("loads", [](const hs::Scheme& s, const py::object& keys, int threads) {
        return with_keys(keys, [&](const hs::Keys& k) { return hs::node_loads(s, k, threads); });
    }, py::arg("scheme"), py::arg("keys"), py::arg("threads") = 0);
    m.def("stream_loads", [](const hs::Scheme& s, const hs::KeyStream& stream, int threads) {
        return hs::node_loads(s, stream, threads);
    }, py::arg("scheme"), py::arg("stream"), py::arg("threads") = 0, py::call_guard<py::gil_scoped_release>());
    m.def("moved", [](const hs::Scheme& a, const hs::Scheme& b, const py::object& keys, int threads,
                      const hs::NodeIds& ids_a, const hs::NodeIds& ids_b) {
        return with_keys(keys, [&](const hs::Keys& k) { return hs::moved_fraction(a, b, k, threads, ids_a, ids_b); });
    }, py::arg("before"), py::arg("after"), py::arg("keys"), py::arg("threads"), py::arg("ids_before"), py::arg("ids_after"));
    m.def("stream_moved", [](const hs::Scheme& a, const hs::Scheme& b, const hs::KeyStream& stream, int threads,
                             const hs::NodeIds& ids_a, const hs::NodeIds& ids_b) {
        return hs::moved_fraction(a, b, stream, threads, ids_a, ids_b);
    }, py::arg("before"), py::arg("after"), py::arg("stream"), py::arg("threads"), py::arg("ids_before"),
          py::arg("ids_after"), py::call_guard<py::gil_scoped_release>());
    m.def("balance", [](const std::vector<double>& loads, const std::vector<double>& nominal, bool weighted) {
        return as_dict(hs::balance(loads, nominal, weighted));
    }, py::arg("loads"), py::arg("nominal"), py::arg("weighted"));
}

}  // namespace scalemodel::bindings
