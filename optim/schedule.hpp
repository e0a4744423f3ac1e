// Learning-rate schedules as functions of the update count t (0 for the first update).
//
//   Constant      lr_t = lr
//   InverseTime   lr_t = lr / (1 + γ t)              the DrSAE code's decay (γ = 5e-6 per minibatch update)
//   Step          lr_t = lr · factor^⌊t / every⌋
//   Cosine        lr_t = lr_min + ½ (lr − lr_min)(1 + cos(π min(t, horizon) / horizon))
//
// The optimizers keep their own count of updates; a schedule only maps that count to a rate, so resuming from a
// checkpoint continues the schedule exactly where it stopped.
#pragma once
#include <string>

namespace rp {

struct Schedule {
    enum class Kind { Constant, InverseTime, Step, Cosine };
    Kind kind = Kind::Constant;
    double lr = 1e-3;
    double gamma = 0;      // InverseTime
    double factor = 0.5;   // Step
    long every = 1;        // Step
    long horizon = 1;      // Cosine
    double lr_min = 0;     // Cosine

    static Schedule constant(double lr) { return {Kind::Constant, lr}; }
    static Schedule inverse_time(double lr, double gamma) { return {Kind::InverseTime, lr, gamma}; }
    static Schedule step(double lr, double factor, long every) { return {Kind::Step, lr, 0, factor, every}; }
    static Schedule cosine(double lr, long horizon, double lr_min = 0) { return {Kind::Cosine, lr, 0, 0.5, 1, horizon, lr_min}; }

    double at(long t) const;
    std::string describe() const;
};

}  // namespace rp
