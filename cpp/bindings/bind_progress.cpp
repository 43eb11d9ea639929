#include "binding.hpp"
#include "scalemodel/core/progress.hpp"

namespace scalemodel::bindings {

void register_progress(py::module_& m) {
    py::register_exception<Cancelled>(m, "Cancelled", PyExc_RuntimeError);
    py::class_<Progress>(m, "Progress", "Items done of a long engine call; cancel() stops it.")
        .def(py::init<>())
        .def_property_readonly("total", &Progress::total)
        .def_property_readonly("done", &Progress::done)
        .def_property_readonly("cancelled", &Progress::cancelled)
        .def("cancel", &Progress::cancel);
    m.def(
        "run_tracked",
        [](Progress& progress, const py::function& call) {
            const Progress::Scope scope(&progress);
            return call();
        },
        py::arg("progress"), py::arg("call"),
        "Calls call() with progress current on this thread, so the engine's parallel loops report to it.");
}

}  // namespace scalemodel::bindings
