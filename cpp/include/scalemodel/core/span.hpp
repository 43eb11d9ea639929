// A borrowed, read-only run of values (C++17 has no std::span): large inputs such as
// replayed traces reach the engine without a copy; the caller keeps them alive for the call.
#pragma once

#include <cstddef>

namespace scalemodel {

template <class T>
class Span {
public:
    Span() = default;
    Span(const T* data, std::size_t size) : data_(data), size_(size) {}
    template <class Container>
    Span(const Container& c) : data_(c.data()), size_(c.size()) {}  // NOLINT: implicit on purpose

    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    const T* begin() const { return data_; }
    const T* end() const { return data_ + size_; }
    const T& operator[](std::size_t i) const { return data_[i]; }

private:
    const T* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace scalemodel
