#include "binding.hpp"
#include "scalemodel/core/confidence.hpp"

namespace scalemodel::bindings {

void register_stats(py::module_& m) {
    m.def(
        "t_half_width",
        [](const f64_array& sd, const f64_array& n, double level) {
            const py::ssize_t size = common_size({sd.size(), n.size()});
            py::array_t<double> out(size);
            double* o = out.mutable_data();
            const double *s = sd.data(), *k = n.data();
            for_each_element(size, [&](py::ssize_t i) { o[i] = t_half_width(s[i], k[i], level); });
            return out;
        },
        py::arg("sd"), py::arg("n"), py::arg("level"));
}

}  // namespace scalemodel::bindings
