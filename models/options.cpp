#include "models/options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace rp::detail {

std::string option_flag(const std::string& name) {
    std::string f = "--" + name;
    std::replace(f.begin(), f.end(), '_', '-');
    return f;
}

nlohmann::json parse_option_text(const std::string& name, OptionType t, const std::string& text) {
    const std::string flag = option_flag(name);
    auto bad = [&](const char* what) { return std::invalid_argument(flag + ": '" + text + "' is not " + what); };
    switch (t) {
    case OptionType::Flag:
        if (text == "true" || text == "1" || text.empty()) return true;
        if (text == "false" || text == "0") return false;
        throw bad("true or false");
    case OptionType::Count:
    case OptionType::Integer: {
        // Whole numbers only: "2.5" and "1e3" are refused rather than truncated, "-3" for a count by name, and a
        // value past the 64-bit range by name rather than saturated.
        const bool neg = !text.empty() && text[0] == '-';
        const std::string digits = neg ? text.substr(1) : text;
        if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
            throw bad(t == OptionType::Count ? "a non-negative integer" : "an integer");
        if (neg && t == OptionType::Count) throw std::invalid_argument(flag + " must be >= 0, got " + text);
        const char* end = text.data() + text.size();
        if (t == OptionType::Count) {
            std::uint64_t v = 0;
            if (std::from_chars(text.data(), end, v).ec != std::errc())
                throw std::invalid_argument(flag + " must be at most 18446744073709551615, got " + text);
            return v;
        }
        std::int64_t v = 0;
        if (std::from_chars(text.data(), end, v).ec != std::errc())
            throw std::invalid_argument(flag + " must be in -9223372036854775808..9223372036854775807, got " + text);
        return v;
    }
    case OptionType::Real: {
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(text, &used);
        } catch (const std::exception&) {
            throw bad("a number");
        }
        if (used != text.size()) throw bad("a number");
        return v;
    }
    case OptionType::Text: return text;
    case OptionType::Structured: break;
    }
    throw std::invalid_argument(flag + " cannot be given on the command line; use --config FILE.json");
}

}  // namespace rp::detail
