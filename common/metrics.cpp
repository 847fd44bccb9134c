#include "common/metrics.h"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace berth::common {
namespace {

void atomicAdd(std::atomic<double>& target, double amount) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

std::string escapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string labelKey(const Labels& labels) {
  std::string key;
  for (const auto& [name, value] : labels) {
    if (!key.empty()) key += ',';
    key += name + "=\"" + escapeLabelValue(value) + "\"";
  }
  return key;
}

// The shortest text that reads back as the same double: `le="0.1"`, as PromQL queries write
// it, not the 17-digit "0.10000000000000001" that matches no query.
std::string formatNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char text[32];
  const auto written = std::to_chars(text, text + sizeof(text), v);
  return std::string(text, written.ptr);
}

std::string series(const std::string& name, const std::string& labels,
                   const std::string& extra = {}) {
  std::string all = labels;
  if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
  return all.empty() ? name : name + "{" + all + "}";
}

}  // namespace

void Counter::inc(double amount) { atomicAdd(value_, amount); }
void Gauge::add(double amount) { atomicAdd(value_, amount); }

Histogram::Histogram(std::vector<double> upperBounds)
    : upperBounds_(std::move(upperBounds)),
      buckets_(new std::atomic<uint64_t>[upperBounds_.size() + 1]) {
  for (size_t i = 0; i <= upperBounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < upperBounds_.size() && value > upperBounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  atomicAdd(sum_, value);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upperBounds = upperBounds_;
  uint64_t running = 0;
  for (size_t i = 0; i < upperBounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulativeCounts.push_back(running);
  }
  s.count = count_.load(std::memory_order_relaxed);
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> defaultLatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
}

Metrics::Family& Metrics::family(const std::string& name, const std::string& help, Kind kind) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.kind = kind;
    it->second.help = help;
  } else if (it->second.kind != kind) {
    // A programming error: one name registered as two kinds.
    throw std::logic_error("metric " + name + " registered with two kinds");
  }
  return it->second;
}

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::Counter).counters[labelKey(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::Gauge).gauges[labelKey(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                              const Labels& labels, std::vector<double> upperBounds) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::Histogram).histograms[labelKey(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(upperBounds));
  return *slot;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    static constexpr const char* kTypes[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + " " + fam.help + "\n";
    out += "# TYPE " + name + " " + kTypes[static_cast<int>(fam.kind)] + "\n";
    for (const auto& [labels, c] : fam.counters) {
      out += series(name, labels) + " " + formatNumber(c->value()) + "\n";
    }
    for (const auto& [labels, g] : fam.gauges) {
      out += series(name, labels) + " " + formatNumber(g->value()) + "\n";
    }
    for (const auto& [labels, h] : fam.histograms) {
      const auto s = h->snapshot();
      for (size_t i = 0; i < s.upperBounds.size(); ++i) {
        out += series(name + "_bucket", labels, "le=\"" + formatNumber(s.upperBounds[i]) + "\"") +
               " " + std::to_string(s.cumulativeCounts[i]) + "\n";
      }
      out += series(name + "_bucket", labels, "le=\"+Inf\"") + " " + std::to_string(s.count) + "\n";
      out += series(name + "_sum", labels) + " " + formatNumber(s.sum) + "\n";
      out += series(name + "_count", labels) + " " + std::to_string(s.count) + "\n";
    }
  }
  return out;
}

}  // namespace berth::common
