// The one exception type of the data layer: every failure to read, check or write a data file throws it, with a
// message that names the file and the check that failed (so a user can fix the file without reading our code).
#pragma once
#include <stdexcept>

namespace rp::data {

struct DataError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace rp::data
