// One declaration per configuration option. A configuration struct keeps its fields and their defaults; beside it
// one table declares each option once (name, member, help, validity rule), and everything else follows from it:
//   write(c)          the JSON object (a checkpoint's configuration record, `--config` files, result.json)
//   read(j, c)        JSON into the struct: unknown keys, wrong types and bad values are errors naming the key
//   validate(c)       every rule: std::invalid_argument "<name> must be <rule>, got <value>"
//   set_text(c, n, v) one command-line value (`recpool` makes --name-with-dashes of each option)
//   infos()           name, type, help and default text of each option, for the command line and --help
//
// The JSON key is the name; the command-line flag is "--" + the name with '-' for '_'. An option can be JSON-only
// (a structured value such as a recpool stack's layers) or command-line-only (a shorthand such as --torus R:C);
// rules between options (a torus must have rows × cols units) are whole-config checks run after the per-option ones.
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rp {

enum class OptionType { Flag, Count, Integer, Real, Text, Structured };

// What the command line and --help know of an option, whatever struct it belongs to.
struct OptionInfo {
    std::string name, help;
    OptionType type = OptionType::Text;
    std::string default_text;  // the default's value as JSON text ("0.09", "\"paper\"")
    bool json = true, cli = true;
    std::string alias;         // a second, older command-line name ("lambda" for lambda_l1)
};

// A validity rule of a value of type V: ok(v), and the text completing "<name> must be ...".
template <class V>
struct Rule {
    std::function<bool(const V&)> ok;
    std::string text;
};

namespace rules {
// lo ≤ v ≤ hi: "in lo..hi" for whole numbers, "in [lo, hi]" for reals.
template <class V>
Rule<V> in(V lo, V hi) {
    const std::string t = std::is_integral_v<V> ? fmt::format("in {}..{}", lo, hi) : fmt::format("in [{}, {}]", lo, hi);
    return {[lo, hi](const V& v) { return v >= lo && v <= hi; }, t};
}
template <class V>
Rule<V> at_least(V lo) {
    return {[lo](const V& v) { return v >= lo; }, fmt::format(">= {}", lo)};
}
template <class V>
Rule<V> above(V lo) {
    return {[lo](const V& v) { return v > lo; }, fmt::format("> {}", lo)};
}
// lo ≤ v < hi
inline Rule<double> in_half_open(double lo, double hi) {
    return {[lo, hi](const double& v) { return v >= lo && v < hi; }, fmt::format("in [{}, {})", lo, hi)};
}
inline Rule<std::string> one_of(std::initializer_list<const char*> names) {
    std::vector<std::string> ns(names.begin(), names.end());
    std::string t;
    for (std::size_t i = 0; i < ns.size(); ++i)
        t += (i == 0 ? "" : i + 1 == ns.size() ? " or " : ", ") + ("\"" + ns[i] + "\"");
    return {[ns](const std::string& v) {
                for (const auto& n : ns)
                    if (v == n) return true;
                return false;
            },
            t};
}
}  // namespace rules

namespace detail {
template <class V>
constexpr OptionType option_type() {
    if constexpr (std::is_same_v<V, bool>) return OptionType::Flag;
    else if constexpr (std::is_integral_v<V> && std::is_unsigned_v<V>) return OptionType::Count;
    else if constexpr (std::is_integral_v<V>) return OptionType::Integer;
    else if constexpr (std::is_floating_point_v<V>) return OptionType::Real;
    else return OptionType::Text;
}

// A JSON value into V, with the error naming the key for a value of another type.
template <class V>
V json_value(const std::string& key, const nlohmann::json& v) {
    if constexpr (std::is_same_v<V, std::string>) {
        if (!v.is_string()) throw std::invalid_argument(key + " must be a string, got " + v.dump());
    } else if constexpr (std::is_same_v<V, bool>) {
        if (!v.is_boolean()) throw std::invalid_argument(key + " must be true or false, got " + v.dump());
    } else if constexpr (std::is_integral_v<V>) {
        if (!v.is_number_integer()) throw std::invalid_argument(key + " must be an integer, got " + v.dump());
        // JSON text gives unsigned numbers, C++ literals in json{...} signed ones: only a negative value is refused.
        if (std::is_unsigned_v<V> && !v.is_number_unsigned() && v.get<std::int64_t>() < 0)
            throw std::invalid_argument(key + " must be >= 0, got " + v.dump());
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<V>::max()))
            throw std::invalid_argument(key + " is out of range, got " + v.dump());
        if (!std::is_unsigned_v<V> &&
            (v.get<std::int64_t>() < std::int64_t(std::numeric_limits<V>::min()) ||
             v.get<std::int64_t>() > std::int64_t(std::numeric_limits<V>::max())))
            throw std::invalid_argument(key + " is out of range, got " + v.dump());
    } else {
        if (!v.is_number()) throw std::invalid_argument(key + " must be a number, got " + v.dump());
    }
    return v.get<V>();
}

// A command-line word into the JSON value of an option of type t; std::invalid_argument naming the flag.
nlohmann::json parse_option_text(const std::string& name, OptionType t, const std::string& text);
std::string option_flag(const std::string& name);  // "lr_decay" → "--lr-decay"
}  // namespace detail

template <class Cfg>
class Options {
public:
    struct Entry {
        OptionInfo info;
        std::function<nlohmann::json(const Cfg&)> get;             // JSON options
        std::function<void(Cfg&, const nlohmann::json&)> set;      // value already checked against the type
        std::function<void(Cfg&, const std::string&)> set_text;    // command-line options of their own syntax
        std::function<void(const Cfg&)> check;
    };

    // A field: JSON key and flag from `name`, type from the member, default from Cfg{}.
    template <class V>
    Options& add(const char* name, V Cfg::*m, const char* help, Rule<V> rule = {}) {
        Entry e;
        e.info.name = name, e.info.help = help, e.info.type = detail::option_type<V>();
        e.get = [m](const Cfg& c) { return nlohmann::json(c.*m); };
        const std::string key = name;
        e.set = [m, key](Cfg& c, const nlohmann::json& v) { c.*m = detail::json_value<V>(key, v); };
        e.check = [m, key, rule](const Cfg& c) {
            const V& v = c.*m;
            bool ok = true;
            if constexpr (std::is_floating_point_v<V>) ok = std::isfinite(v);
            if (ok && rule.ok) ok = rule.ok(v);
            if (!ok) {
                std::string got;
                if constexpr (std::is_same_v<V, std::string>) got = "\"" + v + "\"";
                else got = fmt::format("{}", v);
                throw std::invalid_argument(key + " must be " + (rule.text.empty() ? "finite" : rule.text) + ", got " + got);
            }
        };
        entries_.push_back(std::move(e));
        return *this;
    }
    // A JSON-only option of structured value (an array of layers).
    Options& structured(const char* name, const char* help, std::function<nlohmann::json(const Cfg&)> get,
                        std::function<void(Cfg&, const nlohmann::json&)> set) {
        Entry e;
        e.info.name = name, e.info.help = help, e.info.type = OptionType::Structured;
        e.info.cli = false;
        e.get = std::move(get), e.set = std::move(set);
        entries_.push_back(std::move(e));
        return *this;
    }
    // A command-line-only option with its own syntax, applied in declaration order.
    Options& command_line(const char* name, const char* help, std::function<void(Cfg&, const std::string&)> set_text) {
        Entry e;
        e.info.name = name, e.info.help = help;
        e.info.json = false;
        e.set_text = std::move(set_text);
        entries_.push_back(std::move(e));
        return *this;
    }
    // A second command-line name for the option declared last (kept for the names the command line had).
    Options& alias(const char* name) {
        entries_.back().info.alias = name;
        return *this;
    }
    // A rule between options, run after the per-option rules; throws std::invalid_argument naming the options.
    Options& also(std::function<void(const Cfg&)> check) {
        whole_.push_back(std::move(check));
        return *this;
    }

    nlohmann::json write(const Cfg& c) const {
        nlohmann::json j = nlohmann::json::object();
        for (const Entry& e : entries_)
            if (e.info.json) j[e.info.name] = e.get(c);
        return j;
    }
    // Keys absent keep their values; then every rule (unless `check` is false: a configuration being assembled).
    void read(const nlohmann::json& j, Cfg& c, bool check = true) const {
        if (!j.is_object()) throw std::invalid_argument("the configuration must be a JSON object, got " + j.dump());
        for (auto it = j.begin(); it != j.end(); ++it) {
            const Entry* e = find(it.key(), true);
            if (!e) throw std::invalid_argument("unknown configuration key '" + it.key() + "'");
            e->set(c, *it);
        }
        if (check) validate(c);
    }
    void validate(const Cfg& c) const {
        for (const Entry& e : entries_)
            if (e.check) e.check(c);
        for (const auto& w : whole_) w(c);
    }
    bool has_json(const std::string& name) const { return find(name, true) != nullptr; }
    // One command-line value (no validation: the caller validates once every option is in).
    void set_text(Cfg& c, const std::string& name, const std::string& text) const {
        const Entry* e = find(name, false);
        if (!e) throw std::invalid_argument("unknown option " + detail::option_flag(name));
        if (e->set_text) e->set_text(c, text);
        else e->set(c, detail::parse_option_text(name, e->info.type, text));
    }
    std::vector<OptionInfo> infos(const Cfg& defaults = Cfg{}) const {
        std::vector<OptionInfo> out;
        for (const Entry& e : entries_) {
            OptionInfo i = e.info;
            if (e.get && i.type != OptionType::Structured) i.default_text = e.get(defaults).dump();
            out.push_back(i);
        }
        return out;
    }

private:
    // The JSON key `name`, or the command-line option `name` (or its alias).
    const Entry* find(const std::string& name, bool json) const {
        for (const Entry& e : entries_)
            if (json ? e.info.json && e.info.name == name : e.info.cli && (e.info.name == name || e.info.alias == name)) return &e;
        return nullptr;
    }
    std::vector<Entry> entries_;
    std::vector<std::function<void(const Cfg&)>> whole_;
};

}  // namespace rp
