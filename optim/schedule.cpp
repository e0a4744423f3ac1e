#include "optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace rp {

double Schedule::at(long t) const {
    const double td = double(std::max(t, 0L));
    switch (kind) {
        case Kind::Constant: return lr;
        case Kind::InverseTime: return lr / (1.0 + gamma * td);
        case Kind::Step: return lr * std::pow(factor, double(std::max(t, 0L) / std::max(every, 1L)));
        case Kind::Cosine: {
            const double h = double(std::max(horizon, 1L));
            const double pi = std::acos(-1.0);
            return lr_min + 0.5 * (lr - lr_min) * (1.0 + std::cos(pi * std::min(td, h) / h));
        }
    }
    return lr;
}

std::string Schedule::describe() const {
    std::ostringstream s;
    switch (kind) {
        case Kind::Constant: s << "constant " << lr; break;
        case Kind::InverseTime: s << lr << "/(1 + " << gamma << " t)"; break;
        case Kind::Step: s << lr << " x " << factor << "^floor(t/" << every << ")"; break;
        case Kind::Cosine: s << "cosine " << lr << " -> " << lr_min << " over " << horizon; break;
    }
    return s.str();
}

}  // namespace rp
