#include "optim/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace rp {

template <class T>
OptimState Optimizer<T>::state() const {
    OptimState s;
    s.step = step_;
    s.averaged = averaged_;
    for (auto& [name, buf] : const_cast<Optimizer*>(this)->buffers()) s.buffers[name].assign(buf->begin(), buf->end());
    return s;
}

template <class T>
void Optimizer<T>::load_state(const OptimState& s) {
    auto own = buffers();
    for (auto& [name, buf] : own) {
        auto it = s.buffers.find(name);
        if (it == s.buffers.end()) {
            buf->clear();  // a state saved before the buffer existed (momentum not yet used)
            continue;
        }
        if (!it->second.empty() && it->second.size() != store_.values().size())
            throw std::invalid_argument("optimizer buffer '" + name + "' has " + std::to_string(it->second.size()) +
                                        " values but the parameters have " + std::to_string(store_.values().size()));
        buf->assign(it->second.begin(), it->second.end());
    }
    step_ = s.step;
    averaged_ = s.averaged;
}

template <class T>
void Optimizer<T>::descend(Graph<T>& g) {
    if (&g.store() != &store_) throw std::invalid_argument("descend: the graph's parameters are another store than the optimizer's");
    rates_.resize(store_.count());  // no allocation after the first step
    done_.resize(store_.count());
    // In anomaly mode a failing node stops the pass; with the steps taken in it, some weights would have moved.
    if (g.anomaly() || !direct_rates(rates_)) {
        g.backward();
        step();
        return;
    }
    g.backward_descend(rates_, done_);
    step_rest(done_);
}

template <class T>
void Optimizer<T>::step_rest(const std::vector<char>& done) {
    if (std::find(done.begin(), done.end(), char(1)) != done.end())
        throw std::logic_error("step_rest: this optimizer takes no step inside the backward pass");
    step();
}

// θ ← θ + rate · lr_scale · g for a Lagrange multiplier; false (and nothing done) for any other parameter.
template <class T>
bool Optimizer<T>::ascend(const ParamInfo& p, double rate) {
    if (!p.ascent) return false;
    T* w = store_.values().data() + p.offset;
    const T* g = store_.grads().data() + p.offset;
    const T a = T(rate * p.lr_scale);
    for (std::size_t i = 0; i < p.size(); ++i) w[i] += a * g[i];
    return true;
}

template <class T>
void Optimizer<T>::slow_down(const SlowDown& s) {
    if (!(s.factor >= 0 && s.factor <= 1)) throw std::invalid_argument("a slow-down factor must lie in [0, 1]");
    slow_.assign(store_.count(), 0);
    for (ParamHandle h : s.params) {
        if (!store_.owns(h)) throw std::invalid_argument("slow_down: a parameter belongs to another store");
        slow_[std::size_t(h.index)] = 1;
    }
    slow_from_ = s.from, slow_factor_ = s.factor;
}

template <class T>
double Optimizer<T>::scale(std::size_t k, long t) const {
    const double s = store_.info(int(k)).lr_scale;
    return slow_from_ >= 0 && t >= slow_from_ && k < slow_.size() && slow_[k] ? s * slow_factor_ : s;
}

// ---------------------------------------------------------------------------------------------------------------
template <class T>
Sgd<T>::Sgd(ParamStore<T>& store, const SgdOptions& opt) : Optimizer<T>(store), opt_(opt) {
    if (!(opt.lr >= 0) || !(opt.lr_decay >= 0)) throw std::invalid_argument("SGD needs lr >= 0 and lr_decay >= 0");
    if (!(opt.momentum >= 0 && opt.momentum < 1)) throw std::invalid_argument("SGD momentum must lie in [0, 1)");
}

template <class T>
double Sgd<T>::rate_at(long t) const {
    return opt_.schedule ? opt_.schedule->at(t) : opt_.lr / (1.0 + opt_.lr_decay * double(t));
}

namespace {
// d = s·g (momentum: v ← μ v + keep·d, d = v);  w ← w − decay·w − lr·d.  One branch-free pass per parameter,
// so it vectorizes: at B = 1 the update of every weight is a fifth of a DrSAE step.
template <bool Mom, class T>
void sgd_update(std::size_t N, T* __restrict w, const T* __restrict g, T* __restrict v, T lr, T s, T decay, T mu, T keep) {
    for (std::size_t i = 0; i < N; ++i) {
        T d = s * g[i];
        if constexpr (Mom) d = v[i] = mu * v[i] + keep * d;
        w[i] -= decay * w[i] + lr * d;
    }
}
}  // namespace

// Without momentum, θ ← θ − lr_t s_p g is the whole update of an ordinary parameter without weight decay.
template <class T>
bool Sgd<T>::direct_rates(std::vector<double>& r) const {
    if (opt_.momentum > 0) return false;
    const ParamStore<T>& st = this->store_;
    const double lr = rate_at(this->step_);
    bool any = false;
    for (std::size_t k = 0; k < st.count(); ++k) {
        const ParamInfo& p = st.info(int(k));
        const bool plain = !p.ascent && opt_.weight_decay + p.weight_decay == 0;
        r[k] = plain ? lr * this->scale(k, this->step_) : std::numeric_limits<double>::quiet_NaN();
        any = any || plain;
    }
    return any;
}

// Per parameter p with scale s_p:   g ← s_p g;   v ← g (first update) | μ v + (1 − μ) g;
// θ ← θ − lr_t wd θ − lr_t v;   for a Lagrange multiplier instead θ ← θ + ascent_lr s_p g.
template <class T>
void Sgd<T>::update(const std::vector<char>* done) {
    ParamStore<T>& st = this->store_;
    const long t = this->step_;
    const double lr = rate_at(t);
    const bool mom = opt_.momentum > 0;
    bool first = false;  // the first update with momentum starts the average at the gradient itself
    if (mom && velocity_.size() != st.values().size()) {
        velocity_.assign(st.values().size(), T(0));
        first = true;
    }
    // The first update with momentum starts the average at the gradient: v = 0·v + 1·d.
    const T mu = first ? T(0) : T(opt_.momentum), keep = first || !opt_.dampened ? T(1) : T(1 - opt_.momentum);
    for (std::size_t k = 0; k < st.count(); ++k) {
        const ParamInfo& p = st.info(int(k));
        if ((done && (*done)[k]) || this->ascend(p, opt_.ascent_lr)) continue;
        T* w = st.values().data() + p.offset;
        const T* g = st.grads().data() + p.offset;
        const T s = T(this->scale(k, t));
        const T decay = T(lr * (opt_.weight_decay + p.weight_decay));
        T* v = mom ? velocity_.data() + p.offset : nullptr;
        if (mom)
            sgd_update<true>(p.size(), w, g, v, T(lr), s, decay, mu, keep);
        else
            sgd_update<false>(p.size(), w, g, v, T(lr), s, decay, mu, keep);
    }
    st.apply_constraints(t);
    ++this->step_;
}

template <class T>
std::map<std::string, std::vector<T>*> Sgd<T>::buffers() {
    return {{"velocity", &velocity_}};
}

// ---------------------------------------------------------------------------------------------------------------
template <class T>
Adam<T>::Adam(ParamStore<T>& store, const AdamOptions& opt) : Optimizer<T>(store), opt_(opt) {
    if (!(opt.lr >= 0)) throw std::invalid_argument("Adam needs lr >= 0");
    if (!(opt.beta1 >= 0 && opt.beta1 < 1 && opt.beta2 >= 0 && opt.beta2 < 1))
        throw std::invalid_argument("Adam needs beta1 and beta2 in [0, 1)");
    for (ParamHandle h : opt.params)
        if (!store.owns(h)) throw std::invalid_argument("Adam: a parameter of its group belongs to another store");
}

template <class T>
double Adam<T>::rate() const {
    return opt_.schedule ? opt_.schedule->at(this->step_) : opt_.lr;
}

// g ← g + wd θ;  m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  θ ← θ − lr_t s_p m̂ / (√v̂ + ε),
// m̂ = m / (1 − β₁^{t+1}), v̂ = v / (1 − β₂^{t+1}).
template <class T>
void Adam<T>::step() {
    ParamStore<T>& st = this->store_;
    const long t = this->step_;
    const std::size_t n = st.values().size();
    if (m_.size() != n) m_.assign(n, T(0));
    if (v_.size() != n) v_.assign(n, T(0));
    const double lr = rate();
    const double c1 = 1 - std::pow(opt_.beta1, double(t + 1)), c2 = 1 - std::pow(opt_.beta2, double(t + 1));
    const T b1 = T(opt_.beta1), b2 = T(opt_.beta2);
    const bool group = !opt_.params.empty();
    for (std::size_t j = 0; j < (group ? opt_.params.size() : st.count()); ++j) {
        const std::size_t k = group ? std::size_t(opt_.params[j].index) : j;
        const ParamInfo& p = st.info(int(k));
        if (this->ascend(p, opt_.ascent_lr)) continue;
        T* w = st.values().data() + p.offset;
        const T* g = st.grads().data() + p.offset;
        const T s = T(this->scale(k, t));
        const T wd = T(opt_.weight_decay + p.weight_decay);
        T* m = m_.data() + p.offset;
        T* v = v_.data() + p.offset;
        for (std::size_t i = 0; i < p.size(); ++i) {
            const T d = g[i] + wd * w[i];
            m[i] = b1 * m[i] + (1 - b1) * d;
            v[i] = b2 * v[i] + (1 - b2) * d * d;
            w[i] -= T(lr * double(s) * (double(m[i]) / c1) / (std::sqrt(double(v[i]) / c2) + opt_.eps));
        }
    }
    if (group)
        for (ParamHandle h : opt_.params) st.apply_constraints(h, t);
    else
        st.apply_constraints(t);
    ++this->step_;
}

template <class T>
std::map<std::string, std::vector<T>*> Adam<T>::buffers() {
    return {{"m", &m_}, {"v", &v_}};
}

// ---------------------------------------------------------------------------------------------------------------
template <class T>
Averaged<T>::Averaged(ParamStore<T>& store, std::unique_ptr<Optimizer<T>> inner, long from)
    : Optimizer<T>(store), inner_(std::move(inner)), from_(from) {}

template <class T>
void Averaged<T>::step() {
    const long t = inner_->steps();
    inner_->step();
    average(t);
}

template <class T>
void Averaged<T>::step_rest(const std::vector<char>& done) {
    const long t = inner_->steps();
    inner_->step_rest(done);
    average(t);
}

template <class T>
void Averaged<T>::average(long t) {
    if (t < from_) return;
    // ā ← ā + (θ − ā)/n, starting from ā = θ: the exact running mean in one pass.
    const std::vector<T>& w = this->store_.values();
    if (average_.size() != w.size() || this->averaged_ == 0) average_.assign(w.begin(), w.end());
    else {
        const T inv = T(1.0 / double(this->averaged_ + 1));
        for (std::size_t i = 0; i < average_.size(); ++i) average_[i] += (w[i] - average_[i]) * inv;
    }
    ++this->averaged_;
}

template <class T>
void Averaged<T>::swap_average() {
    if (!has_average()) throw std::logic_error("averaged SGD has no average yet (average_from not reached)");
    std::swap_ranges(average_.begin(), average_.end(), this->store_.values().begin());
}

template <class T>
OptimState Averaged<T>::state() const {
    OptimState s = inner_->state();
    s.averaged = this->averaged_;
    s.buffers["average"].assign(average_.begin(), average_.end());
    return s;
}

template <class T>
void Averaged<T>::load_state(const OptimState& s) {
    inner_->load_state(s);
    const auto it = s.buffers.find("average");
    if (it == s.buffers.end() || it->second.empty()) average_.clear();
    else if (it->second.size() != this->store_.values().size())
        throw std::invalid_argument("optimizer buffer 'average' has " + std::to_string(it->second.size()) +
                                    " values but the parameters have " + std::to_string(this->store_.values().size()));
    else average_.assign(it->second.begin(), it->second.end());
    this->averaged_ = s.averaged;
}

template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(ParamStore<T>& store, const OptimizerConfig& c) {
    if (c.lr_every < 0) throw std::invalid_argument("lr_every must be >= 0");
    if (c.lr_every > 0 && c.lr_decay != 0) throw std::invalid_argument("lr_every and lr_decay exclude each other (one schedule)");
    const Schedule sched =
        c.lr_every > 0 ? Schedule::step(c.lr, c.lr_factor, c.lr_every) : Schedule::inverse_time(c.lr, c.lr_decay);
    std::unique_ptr<Optimizer<T>> o;
    if (c.name == "sgd") {
        SgdOptions s;
        s.lr = c.lr, s.lr_decay = c.lr_decay, s.momentum = c.momentum, s.weight_decay = c.weight_decay;
        if (c.lr_every > 0) s.schedule = sched;
        o = std::make_unique<Sgd<T>>(store, s);
    } else if (c.name == "adam") {
        AdamOptions a;
        a.lr = c.lr, a.schedule = sched, a.beta1 = c.beta1, a.beta2 = c.beta2, a.eps = c.eps, a.weight_decay = c.weight_decay;
        if (!(c.eps > 0)) throw std::invalid_argument("eps must be > 0");
        o = std::make_unique<Adam<T>>(store, a);
    } else
        throw std::invalid_argument("optimizer must be \"sgd\" or \"adam\", got \"" + c.name + "\"");
    if (!c.slow_params.empty()) {  // names checked even while the slow-down is off, so a typo shows at once
        SlowDown s{{}, c.slow_from, c.slow_factor};
        // "S" names drsae.S, and every layer's S of a stack: a name matches itself or the last part after a dot.
        auto matches = [](const std::string& full, const std::string& name) {
            return full == name || (full.size() > name.size() && full.compare(full.size() - name.size(), name.size(), name) == 0 &&
                                    full[full.size() - name.size() - 1] == '.');
        };
        std::string known;
        for (std::size_t k = 0; k < store.count(); ++k) known += (k ? ", " : "") + store.info(int(k)).name;
        for (const std::string& name : c.slow_params) {
            const std::size_t before = s.params.size();
            for (std::size_t k = 0; k < store.count(); ++k)
                if (matches(store.info(int(k)).name, name)) s.params.push_back(store.handle(int(k)));
            if (s.params.size() == before)
                throw std::invalid_argument("slow_params: the model has no parameter \"" + name + "\" (it has " + known + ")");
        }
        if (c.slow_from >= 0) o->slow_down(s);
    }
    if (c.average_from >= 0) o = std::make_unique<Averaged<T>>(store, std::move(o), c.average_from);
    return o;
}

template class Optimizer<float>;
template class Optimizer<double>;
template class Sgd<float>;
template class Sgd<double>;
template class Adam<float>;
template class Adam<double>;
template class Averaged<float>;
template class Averaged<double>;
template std::unique_ptr<Optimizer<float>> make_optimizer(ParamStore<float>&, const OptimizerConfig&);
template std::unique_ptr<Optimizer<double>> make_optimizer(ParamStore<double>&, const OptimizerConfig&);

}  // namespace rp
