// libFuzzer target: the configuration reader (`recpool train --config FILE.json`): JSON text, then the trainer's
// options and a model kind's options (models/options.hpp) with their types, ranges and whole-config rules.
// The contract: any input either reads or throws std::invalid_argument (the message naming the file or the key);
// what reads must validate, and must survive a write and a second read unchanged.
//
// The real kinds would pull the whole engine into this build, so the target registers one kind of its own whose
// options have every type a kind can use (flag, count, narrow count, integer, real, text, a rule between options);
// models/kinds.cpp is replaced by the two functions below.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "fuzz_file.hpp"
#include "models/kind.hpp"
#include "models/train_config.hpp"

namespace {

struct FuzzCfg {
    bool flag = false;
    std::size_t count = 3;
    unsigned narrow = 7;
    int integer = -2;
    double real = 0.5;
    std::string text = "paper";
};

const rp::Options<FuzzCfg>& fuzz_options() {
    using namespace rp::rules;
    static const rp::Options<FuzzCfg> o = rp::Options<FuzzCfg>()
        .add("flag", &FuzzCfg::flag, "a flag")
        .add("count", &FuzzCfg::count, "a count", in<std::size_t>(1, 1000))
        .add("narrow", &FuzzCfg::narrow, "a 32-bit count")
        .add("integer", &FuzzCfg::integer, "an integer", in<int>(-100, 100))
        .add("real", &FuzzCfg::real, "a real", above(0.0))
        .add("text", &FuzzCfg::text, "a word", one_of({"paper", "code"}))
        .also([](const FuzzCfg& c) {
            if (c.flag && c.count > 10) throw std::invalid_argument("count must be <= 10 with flag, got " + std::to_string(c.count));
        });
    return o;
}

rp::ModelKind make_fuzz_kind(const char* name) {
    rp::ModelKind k;
    k.name = name;
    k.options = fuzz_options().infos();
    k.config = [](const nlohmann::json& patch) {
        FuzzCfg c;
        fuzz_options().read(patch, c);
        return fuzz_options().write(c);
    };
    return k;
}

}  // namespace

namespace rp {
const std::vector<const ModelKind*>& model_kinds() {
    static const ModelKind a = make_fuzz_kind("drsae"), b = make_fuzz_kind("other");
    static const std::vector<const ModelKind*> all{&a, &b};
    return all;
}
const ModelKind& find_kind(const std::string& name) {
    for (const ModelKind* k : model_kinds())
        if (k->name == name) return *k;
    throw std::invalid_argument("model must be one of \"drsae\", \"other\", got \"" + name + "\"");
}
}  // namespace rp

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = rp::fuzz::as_file(data, size);
    rp::TrainConfig c;
    try {
        c = rp::read_train_config(path, rp::TrainConfig::defaults("drsae"));
        c.validate();
    } catch (const std::invalid_argument&) {
        return 0;
    }
    // Written and read again, a configuration that read is the same configuration.
    const nlohmann::json once = c;
    rp::TrainConfig again = rp::TrainConfig::defaults("drsae");
    from_json(once, again);
    if (nlohmann::json(again) != once) __builtin_trap();
    return 0;
}
