// A FIFO ring buffer that grows by doubling (an empty one holds no memory): the waiting
// line of a station, a partition's unconsumed messages, a consumer's ready partitions.
#pragma once

#include <cstddef>
#include <vector>

namespace scalemodel {

template <class T>
class RingQueue {
public:
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    const T& front() const { return buf_[head_]; }
    void push(const T& t) {
        if (size_ == buf_.size()) grow();
        buf_[(head_ + size_) & (buf_.size() - 1)] = t;
        ++size_;
    }
    void pop() {
        head_ = (head_ + 1) & (buf_.size() - 1);
        --size_;
    }
    // The newest element, and its removal (a LIFO discipline on the same buffer).
    const T& back() const { return buf_[(head_ + size_ - 1) & (buf_.size() - 1)]; }
    void pop_back() { --size_; }

private:
    void grow() {  // capacity stays a power of two, so indices wrap with a mask
        std::vector<T> bigger(buf_.empty() ? 8 : buf_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
        buf_.swap(bigger);
        head_ = 0;
    }
    std::vector<T> buf_;
    std::size_t head_ = 0, size_ = 0;
};

}  // namespace scalemodel
