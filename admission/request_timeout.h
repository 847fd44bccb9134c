#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace berth::admission {

// Parses a Go duration as the API server writes it in ?timeout= ("10s", "1m30s", "500ms",
// "2.5s"). nullopt when malformed or negative.
std::optional<std::chrono::microseconds> parseGoDuration(std::string_view text);

// How long the webhook may spend on a review: the API server's timeout (10 s when absent or
// malformed, at most 30 s, its own maximum) less a margin for the answer to travel back.
std::chrono::microseconds reviewBudget(std::string_view timeoutParameter);

}  // namespace berth::admission
