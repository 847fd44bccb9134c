#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/error.h"

namespace berth::common {

// A minimal std::expected<T, Error> (g++ 12 has <expected> only with -std=c++2b). Method names
// follow std::expected so this can become an alias later.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status ok() { return {}; }

}  // namespace berth::common

// Early return of the error of an expression that yields a Result.
#define BERTH_CONCAT_INNER(a, b) a##b
#define BERTH_CONCAT(a, b) BERTH_CONCAT_INNER(a, b)
#define BERTH_TRY_IMPL(tmp, expr)    \
  do {                               \
    auto&& tmp = (expr);             \
    if (!tmp) {                      \
      return std::move(tmp).error(); \
    }                                \
  } while (false)
#define BERTH_TRY(expr) BERTH_TRY_IMPL(BERTH_CONCAT(berth_try_result_, __LINE__), expr)
#define BERTH_TRY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp) {                                 \
    return std::move(tmp).error();            \
  }                                           \
  lhs = std::move(tmp).value()
#define BERTH_TRY_ASSIGN(lhs, expr) \
  BERTH_TRY_ASSIGN_IMPL(BERTH_CONCAT(berth_try_tmp_, __LINE__), lhs, expr)
