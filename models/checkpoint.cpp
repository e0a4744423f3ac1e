#include "models/checkpoint.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/error.hpp"

namespace rp {

using nlohmann::json;

void put_header(data::Npz& z, const TrainConfig& cfg) {
    z.put("format", data::NpyArray::text(kCheckpointFormat));
    z.put("model", data::NpyArray::text(cfg.kind));
    z.put("config", data::NpyArray::text(json(cfg).dump(2)));
}

void put_params(data::Npz& z, const std::string& prefix, const ParamStore<float>& st, const std::vector<float>& values) {
    for (std::size_t i = 0; i < st.count(); ++i) {
        const ParamInfo& p = st.info(int(i));
        std::vector<float> v(values.begin() + std::ptrdiff_t(p.offset), values.begin() + std::ptrdiff_t(p.offset + p.size()));
        z.put(prefix + p.name, data::NpyArray::f32(v, {p.rows, p.cols}));
    }
}

namespace {
std::string shape_str(const data::NpyArray& a) {
    std::string s = "[";
    for (std::size_t i = 0; i < a.shape.size(); ++i) s += (i ? "," : "") + std::to_string(a.shape[i]);
    return s + "]";
}
}  // namespace

void load_params(const data::Npz& npz, const std::string& prefix, ParamStore<float>& store) {
    for (std::size_t i = 0; i < store.count(); ++i) {
        const ParamInfo& p = store.info(int(i));
        const std::string name = prefix + p.name;
        if (!npz.has(name)) throw std::runtime_error(npz.source + ": parameter '" + p.name + "' is missing (no entry '" + name + "')");
        const data::NpyArray& a = npz.at(name);
        if (a.shape.size() != 2 || a.shape[0] != p.rows || a.shape[1] != p.cols)
            throw std::runtime_error(npz.source + ": parameter '" + p.name + "' has shape " + shape_str(a) +
                                     " but the model needs [" + std::to_string(p.rows) + "," + std::to_string(p.cols) + "]");
        const std::vector<float> v = npz.f32(name);
        for (std::size_t k = 0; k < v.size(); ++k)
            if (!std::isfinite(v[k]))
                throw std::runtime_error(fmt::format("{}: parameter '{}' holds {} at [{},{}] (entry '{}'): the run that wrote it "
                                                     "diverged; use an earlier checkpoint",
                                                     npz.source, p.name, v[k], k / p.cols, k % p.cols, name));
        std::copy(v.begin(), v.end(), store.values().begin() + std::ptrdiff_t(p.offset));
    }
}

double scalar_f64(const data::Npz& z, const std::string& name) {
    const auto v = z.f64(name);
    if (v.size() != 1) throw data::DataError(z.source + ": entry '" + name + "' must hold one value, it holds " + std::to_string(v.size()));
    return v[0];
}

std::int64_t scalar_i64(const data::Npz& z, const std::string& name) {
    const auto v = z.i64(name);
    if (v.size() != 1) throw data::DataError(z.source + ": entry '" + name + "' must hold one value");
    return v[0];
}

void put_optim_state(data::Npz& z, const OptimState& s) {
    z.put("optim/step", data::NpyArray::i64({s.step}, {1}));
    z.put("optim/averaged", data::NpyArray::i64({s.averaged}, {1}));
    for (auto& [name, buf] : s.buffers)
        if (!buf.empty()) z.put("optim/" + name, data::NpyArray::f64(buf, {buf.size()}));
}

OptimState read_optim_state(const data::Npz& z) {
    OptimState s;
    s.step = long(scalar_i64(z, "optim/step"));
    s.averaged = long(scalar_i64(z, "optim/averaged"));
    const std::string prefix = "optim/";
    for (const auto& [name, a] : z.entries)
        if (name.compare(0, prefix.size(), prefix) == 0 && name != "optim/step" && name != "optim/averaged")
            s.buffers[name.substr(prefix.size())] = z.f64(name);
    return s;
}

data::Npz open_checkpoint(const std::string& path) {
    data::Npz z;
    try {
        z = data::load_npz(path);
    } catch (const data::DataError& e) {
        throw std::runtime_error(std::string("cannot read checkpoint: ") + e.what());
    }
    if (!z.has("format") || z.text("format") != kCheckpointFormat)
        throw std::runtime_error(path + " is not a recpool checkpoint (no '" + std::string(kCheckpointFormat) + "' format entry)");
    if (!z.has("config")) throw std::runtime_error(path + " is not a recpool checkpoint (it has no configuration)");
    const std::string model = z.has("model") ? z.text("model") : "?";
    try {
        find_kind(model);
    } catch (const std::invalid_argument&) {
        throw std::runtime_error(path + " holds a '" + model + "' model, which this version cannot read");
    }
    return z;
}

TrainConfig checkpoint_config(const data::Npz& z) {
    TrainConfig c = TrainConfig::defaults(z.text("model"));
    try {
        from_json(json::parse(z.text("config")), c);
    } catch (const std::exception& e) {
        throw std::runtime_error(z.source + ": its configuration is unusable: " + e.what());
    }
    return c;
}

std::unique_ptr<LoadedModel> load_model(const std::string& path, bool last, std::size_t max_batch) {
    const data::Npz z = open_checkpoint(path);
    auto L = std::make_unique<LoadedModel>();
    L->cfg = checkpoint_config(z);
    // 0: the trainer's own batches, so an energy over batch statistics (VDL's hinge) is the run's to the last bit.
    L->graph = std::make_unique<Graph<float>>(L->store, max_batch > 0 ? max_batch : std::max(L->cfg.batch, L->cfg.eval_batch));
    try {
        L->model = find_kind(L->cfg.kind).build(L->store, *L->graph, L->cfg.model);
    } catch (const std::exception& e) {
        throw std::runtime_error(path + ": its model cannot be built: " + e.what());
    }
    const bool best = !last && L->store.count() > 0 && z.has("best/" + L->store.info(0).name);
    try {
        load_params(z, best ? "best/" : "param/", L->store);
    } catch (const data::DataError& e) {
        throw std::runtime_error(e.what());
    }
    const std::int64_t epoch = z.has("trainer/best_epoch") && best ? scalar_i64(z, "trainer/best_epoch") : scalar_i64(z, "trainer/epoch");
    const double bv = z.has("trainer/best_valid") ? scalar_f64(z, "trainer/best_valid") : -1;
    const std::string metric = z.has("trainer/valid_metric") ? z.text("trainer/valid_metric") : "error";
    const std::string value = metric == "error" ? fmt::format("{:.2f}%", 100 * bv) : fmt::format("{:.6g}", bv);
    if (best || (!z.has("trainer/rng") && bv >= 0))
        L->which = fmt::format("best validation parameters (epoch {}, validation {} {})", epoch, metric, value);
    else
        L->which = fmt::format("parameters after epoch {}", epoch);
    return L;
}

}  // namespace rp
