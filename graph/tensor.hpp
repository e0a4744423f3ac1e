// Tensors as the engine sees them: a row-major matrix view [rows, cols] over a buffer owned elsewhere
// (a node, the parameter store, the caller). Every value in a graph is rank 2: a minibatch is [B, n],
// a parameter is [rows, cols] (a vector is [1, n]), a loss is [1, 1]. Keeping one rank keeps ops small.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>

namespace rp {

// The shape of a node's value. `batched` values have one row per example: `rows` is the largest batch the
// graph was built for, and each run uses a prefix of it.
struct Shape {
    std::size_t rows = 1, cols = 1;
    bool batched = false;
    static Shape batch(std::size_t cols) { return {0, cols, true}; }
    static Shape fixed(std::size_t rows, std::size_t cols) { return {rows, cols, false}; }
    static Shape scalar() { return {1, 1, false}; }
    bool is_scalar() const { return !batched && rows == 1 && cols == 1; }
    bool same(const Shape& o) const { return batched == o.batched && cols == o.cols && (batched || rows == o.rows); }
    std::string str() const {
        return "[" + (batched ? std::string("B") : std::to_string(rows)) + "," + std::to_string(cols) + "]";
    }
};

template <class T>
struct Tensor {
    T* data = nullptr;
    std::size_t rows = 0, cols = 0;
    std::size_t size() const { return rows * cols; }
    T* row(std::size_t r) const { return data + r * cols; }
    T& operator()(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
    T& operator[](std::size_t i) const { return data[i]; }
    T* begin() const { return data; }
    T* end() const { return data + size(); }
    explicit operator bool() const { return data != nullptr; }
};

// Thrown when a graph is built wrongly (shapes, handles, losses). The message names the node and what is wrong.
struct GraphError : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// Thrown by anomaly mode at the first non-finite value.
struct AnomalyError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace rp
