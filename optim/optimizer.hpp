// Optimizers over a ParamStore's flat value and gradient buffers.
//
// Every optimizer honours the metadata the model put on each parameter (graph/params.hpp):
//  * ParamInfo::lr_scale multiplies the gradient before anything else sees it (momentum included), as the DrSAE
//    code's "learning scale factors" do (E and b 1/11, S 1/10, C 0.2);
//  * ParamInfo::weight_decay adds to the optimizer's own decay;
//  * ParamInfo::ascent marks a Lagrange multiplier: it climbs its gradient, θ += ascent_lr · lr_scale · g, with its
//    own constant rate, no decay and no momentum (a multiplier grows while its constraint is violated);
//  * after every update, ParamStore::apply_constraints(t) with t the 0-based number of that update, so a
//    constraint applied `every = 5` updates runs on updates 0, 5, 10, … (the original's repair counter).
//
// The gradient the optimizers read is whatever backward left in the store: for the DrSAE energy it is summed over
// the minibatch, so the rate need not change with the batch size (as in the original).
//
// Every optimizer follows one lr schedule (optim/schedule.hpp) of its own update count, and saves in OptimState all
// it needs to continue bit for bit after a resume. A SlowDown multiplies the lr_scale of chosen parameters by a
// factor from a chosen update on, also a function of the update count, so a resume continues it too. Averaged SGD
// is a wrapper (Averaged) around any optimizer.
// make_optimizer() builds one from an OptimizerConfig (what `recpool train --optimizer` and its options set).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "graph/params.hpp"
#include "optim/schedule.hpp"

namespace rp {

// Everything needed to continue an optimizer bit for bit: the update count and its buffers by name.
struct OptimState {
    long step = 0;
    long averaged = 0;
    std::map<std::string, std::vector<double>> buffers;
};

// From update `from` on (0-based), the lr_scale of `params` is multiplied by `factor`: a smaller step for one matrix
// late in training, such as DrSAE's S, whose large steps make the iterate jump out of a minimum every few dozen
// epochs, without slowing the others. A Lagrange multiplier keeps its own rate. An empty list or from < 0: off.
struct SlowDown {
    std::vector<ParamHandle> params;
    long from = -1;
    double factor = 1;
};

template <class T>
class Optimizer {
public:
    explicit Optimizer(ParamStore<T>& store) : store_(store) {}
    virtual ~Optimizer() = default;
    // One update from the gradients in the store, then the constraints.
    virtual void step() = 0;
    // One update from g's energy: g.backward(), then step(). Where this update of a parameter is plain descent
    // θ −= r g, the backward pass writes it into θ while it makes g (Graph::backward_descend) and step() does the
    // rest: no gradient stored and read back for E, S, D, C of a DrSAE step under SGD without momentum. In
    // anomaly mode the plain path; std::invalid_argument for a graph over another store.
    void descend(Graph<T>& g);
    // r_p ≥ 0 where the next update of parameter p is exactly θ_p −= r_p g_p, NaN elsewhere; false when it is
    // nowhere (the default: an optimizer with state, Adam, momentum).
    virtual bool direct_rates(std::vector<double>& /*r*/) const { return false; }
    // step() after a backward_descend pass that already took the step of the parameters with done[p].
    virtual void step_rest(const std::vector<char>& done);
    virtual double rate() const = 0;  // the rate the next update will use (before lr_scale)
    virtual long steps() const { return step_; }
    virtual OptimState state() const;
    // Throws std::invalid_argument naming the buffer whose size does not match the store.
    virtual void load_state(const OptimState& s);
    // Evaluation on an average of the parameters (Averaged): swap_average() exchanges the store's values with the
    // average, a second call swaps them back. std::logic_error when there is no average (yet).
    virtual bool has_average() const { return false; }
    virtual void swap_average() { throw std::logic_error("this optimizer keeps no average of the parameters"); }
    // std::invalid_argument for a parameter of another store or a factor outside [0, 1].
    virtual void slow_down(const SlowDown& s);

protected:
    virtual std::map<std::string, std::vector<T>*> buffers() { return {}; }
    bool ascend(const ParamInfo& p, double rate);  // the Lagrange update; false for ordinary parameters
    double scale(std::size_t k, long t) const;     // parameter k's lr_scale at update t, slowed down or not
    ParamStore<T>& store_;
    long step_ = 0;
    long averaged_ = 0;

private:
    std::vector<char> slow_;  // per parameter: under the SlowDown
    long slow_from_ = -1;
    double slow_factor_ = 1;
    std::vector<double> rates_;  // descend()'s, kept so a step allocates nothing
    std::vector<char> done_;
};

struct SgdOptions {
    double lr = 5e-3;
    double lr_decay = 0;                // γ in lr_t = lr / (1 + γ t)
    std::optional<Schedule> schedule;   // overrides lr and lr_decay when set
    double momentum = 0;
    bool dampened = true;               // v = μ v + (1 − μ) g (the original's moving average); false: v = μ v + g
    double weight_decay = 0;            // θ −= lr_t · wd · θ, not scaled by lr_scale (as in the original)
    double ascent_lr = 1e-2;            // rate of the Lagrange multipliers
};

// SGD:  v = g·lr_scale (or its momentum average);  θ −= lr_t · wd · θ;  θ −= lr_t · v;  constraints.
template <class T>
class Sgd : public Optimizer<T> {
public:
    Sgd(ParamStore<T>& store, const SgdOptions& opt);
    void step() override { update(nullptr); }
    bool direct_rates(std::vector<double>& r) const override;  // without momentum: lr_t s_p where no decay applies
    void step_rest(const std::vector<char>& done) override { update(&done); }
    double rate() const override { return rate_at(this->step_); }
    double rate_at(long t) const;
    const SgdOptions& options() const { return opt_; }

protected:
    std::map<std::string, std::vector<T>*> buffers() override;

private:
    void update(const std::vector<char>* done);  // every parameter but those with (*done)[p]
    SgdOptions opt_;
    std::vector<T> velocity_;  // holds the first gradient after update 0 (v₀ = g₀)
};

struct AdamOptions {
    double lr = 1e-3;
    std::optional<Schedule> schedule;
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
    double weight_decay = 0;  // coupled: wd θ added to the gradient (L2), like the classic Adam paper
    double ascent_lr = 1e-2;
    // The parameter group this optimizer updates (and constrains); empty: every parameter of the store. Two
    // optimizers with disjoint groups give parts of a model their own rates, as VDL's encoder and decoder have.
    std::vector<ParamHandle> params;
};

// Adam with bias correction. Per parameter p: g ← g + (wd + wd_p) θ (coupled decay, the parameter's own
// ParamInfo::weight_decay added to the optimizer's), moments of g, and a step lr_t · s_p · m̂ / (√v̂ + ε): the lr
// scale scales the step (scaling the gradient would cancel in m̂ / √v̂).
template <class T>
class Adam : public Optimizer<T> {
public:
    Adam(ParamStore<T>& store, const AdamOptions& opt);
    void step() override;
    double rate() const override;

protected:
    std::map<std::string, std::vector<T>*> buffers() override;

private:
    AdamOptions opt_;
    std::vector<T> m_, v_;  // over the whole store (0 outside the group): one state layout, grouped or not
};

// Averaged SGD (Polyak–Ruppert) around any optimizer: after each of the inner optimizer's updates from update
// `from` on (0-based, after the constraints), ā ← running mean of θ. swap_average() exchanges θ and ā. Its state
// is the inner one plus the buffer "average" and the count `averaged`.
template <class T>
class Averaged : public Optimizer<T> {
public:
    Averaged(ParamStore<T>& store, std::unique_ptr<Optimizer<T>> inner, long from);
    void step() override;
    bool direct_rates(std::vector<double>& r) const override { return inner_->direct_rates(r); }
    void step_rest(const std::vector<char>& done) override;
    double rate() const override { return inner_->rate(); }
    long steps() const override { return inner_->steps(); }
    OptimState state() const override;
    void load_state(const OptimState& s) override;
    bool has_average() const override { return this->averaged_ > 0; }
    void swap_average() override;
    void slow_down(const SlowDown& s) override { inner_->slow_down(s); }
    Optimizer<T>& inner() { return *inner_; }

private:
    void average(long t);  // after the inner optimizer's update t
    std::unique_ptr<Optimizer<T>> inner_;
    long from_;
    std::vector<T> average_;
};

// What `recpool train` chooses: the optimizer, the schedule lr_t = lr / (1 + lr_decay · t) every optimizer follows,
// and each optimizer's own settings.
struct OptimizerConfig {
    std::string name = "sgd";       // "sgd" | "adam"
    double lr = 5e-3, lr_decay = 0;
    long lr_every = 0;              // > 0: instead, lr_t = lr · lr_factor^⌊t / lr_every⌋ (an exponential decay in steps)
    double lr_factor = 1;
    double momentum = 0;            // sgd: the original's moving average v = μ v + (1 − μ) g
    double weight_decay = 0;        // sgd: θ −= lr_t wd θ; adam: coupled, wd θ added to the gradient
    double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam
    long average_from = -1;         // Averaged around either from this update on (−1: off)
    std::vector<std::string> slow_params;  // parameters under a SlowDown: "S" names "S" or any "….S"; unmatched: refused
    long slow_from = -1;                   // from this update on
    double slow_factor = 1;
};
inline const char* const kOptimizerNames[] = {"sgd", "adam"};
// std::invalid_argument naming the setting for an unknown name or a bad value.
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(ParamStore<T>& store, const OptimizerConfig& c);

}  // namespace rp
