// Reading configuration fields from JSON with errors that name the key (shared by the model and trainer configs).
#pragma once
#include <stdexcept>
#include <string>
#include <type_traits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace rp::detail {

// Range checks of configuration fields: std::invalid_argument "<field> must be <range>, got <value>".
inline void need(bool ok, const std::string& field, const std::string& range, const std::string& got) {
    if (!ok) throw std::invalid_argument(field + " must be " + range + ", got " + got);
}
inline std::string num(double v) { return fmt::format("{}", v); }

template <class V>
void read_json_field(const nlohmann::json& j, const std::string& key, V& out) {
    const auto& v = j.at(key);
    if constexpr (std::is_same_v<V, std::string>) {
        if (!v.is_string()) throw std::invalid_argument(key + " must be a string, got " + v.dump());
        out = v.get<std::string>();
    } else if constexpr (std::is_same_v<V, bool>) {
        if (!v.is_boolean()) throw std::invalid_argument(key + " must be true or false, got " + v.dump());
        out = v.get<bool>();
    } else if constexpr (std::is_integral_v<V>) {
        if (!v.is_number_integer()) throw std::invalid_argument(key + " must be an integer, got " + v.dump());
        if (std::is_unsigned_v<V> && v.is_number_integer() && !v.is_number_unsigned())
            throw std::invalid_argument(key + " must be >= 0, got " + v.dump());
        out = v.get<V>();
    } else {
        if (!v.is_number()) throw std::invalid_argument(key + " must be a number, got " + v.dump());
        out = v.get<V>();
    }
}

}  // namespace rp::detail
