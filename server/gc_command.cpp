#include "server/gc_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <ostream>

#include "common/args.h"
#include "common/civil_time.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "registry/storage/driver_factory.h"
#include "registry/storage/garbage_collector.h"

namespace berth::server {

using registry::GarbageCollector;
using registry::GcOptions;
using registry::openStorage;

namespace {

common::Args gcArgs() {
  return common::Args(
      "berth gc (--storage DIR | --config FILE) [--dry-run] [--grace-period SECONDS]\n"
      "         [--upload-expiry SECONDS]",
      "Deletes blobs that no manifest references and upload sessions that were abandoned.\n"
      "Blobs younger than the grace period are kept, so a push in progress is never broken.\n"
      "With --config, the storage is the config's: its registry.s3 bucket or registry.storage.",
      {
          {"storage", "DIR", "registry storage directory"},
          {"config", "FILE", "a berth config file whose registry storage to collect"},
          {"dry-run", "", "report what would be deleted, delete nothing"},
          {"grace-period", "SECONDS", "keep unreferenced blobs younger than this (default 3600)"},
          {"upload-expiry", "SECONDS", "expire uploads idle longer than this (default 86400)"},
      });
}

bool parseSeconds(const std::string& text, int64_t& out) {
  try {
    size_t used = 0;
    const long long value = std::stoll(text, &used);
    if (used != text.size() || value < 0) return false;
    out = value;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

int gcCommand(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  common::Args args = gcArgs();
  // A positional argument is reported with the --storage usage below.
  if (auto exit = args.parseOrExit(argv, "berth gc: ", out, err, true)) return *exit;
  const auto storage = args.get("storage");
  const auto configFile = args.get("config");
  if ((!storage && !configFile) || !args.positional().empty()) {
    err << "berth gc: --storage DIR or --config FILE is required\n\n" << args.helpText();
    return 2;
  }
  common::RegistryConfig registry;
  if (configFile) {
    auto config = common::loadConfigFile(*configFile);
    if (!config) {
      err << "berth gc: " << config.error().message << "\n";
      return 2;
    }
    registry = config->registry;
    if (storage && registry.s3.enabled()) {
      err << "berth gc: --storage and the registry.s3 bucket of " << *configFile
          << " exclude each other\n";
      return 2;
    }
  } else {
    registry.durability = "fsync";
  }
  if (storage) registry.storage = *storage;
  if (!registry.s3.enabled() && !std::filesystem::is_directory(registry.storage)) {
    err << "berth gc: " << registry.storage << " is not a directory\n";
    return 2;
  }
  GcOptions options;
  options.dryRun = args.has("dry-run");
  for (const auto& [flag, field] : {std::pair{"grace-period", &options.graceSeconds},
                                    std::pair{"upload-expiry", &options.uploadExpirySeconds}}) {
    if (auto v = args.get(flag); v && !parseSeconds(*v, *field)) {
      err << "berth gc: --" << flag << " needs a number of seconds, not '" << *v << "'\n";
      return 2;
    }
  }
  const common::SystemClock clock;
  auto opened = openStorage(registry, clock);
  if (!opened) {
    err << "berth gc: " << opened.error().message << "\n";
    return 1;
  }
  common::Logger logger(common::LogLevel::Warn, stderr);
  GarbageCollector gc(*opened->driver, logger);
  const int64_t now = clock.unixSeconds();
  auto report = gc.run(options, now);
  if (!report) {
    err << "berth gc: " << report.error().message;
    if (!report.error().detail.empty()) err << " (" << report.error().detail << ")";
    err << "\n";
    return 1;
  }
  const char* verb = options.dryRun ? "would delete" : "deleted";
  for (const auto& digest : report->deleted) out << verb << " " << digest << "\n";
  out << "repositories: " << report->repositories << "\n"
      << "manifests: " << report->manifests << "\n"
      << "blobs kept: " << report->blobsKept << "\n"
      << "blobs " << verb << ": " << report->blobsDeleted << " (" << report->bytesFreed
      << " bytes)\n"
      << "upload sessions expired: " << report->uploadsExpired << "\n";
  // Why a delete just made frees nothing yet, and when it will.
  if (report->blobsInGrace > 0) {
    out << "blobs held back by the grace period (" << options.graceSeconds
        << " s): " << report->blobsInGrace << " (" << report->bytesInGrace
        << " bytes), all deletable after "
        << common::rfc3339OfUnixSeconds(report->graceEndsUnixSeconds) << "\n";
  }
  return 0;
}

}  // namespace berth::server
