// HTTP adapter for listings: tags, catalog and referrers.
#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "registry/api/exchange.h"
#include "registry/storage/repository_walker.h"

namespace berth::registry {

using common::Error;
using common::ErrorCode;
using nlohmann::json;

namespace {

constexpr size_t kDefaultPageSize = 1000;
constexpr size_t kMaxPageSize = 10000;

struct Page {
  std::vector<std::string> items;
  bool more = false;
  size_t n = 0;
};

// The spec's pagination: entries after `last`, at most `n`; a Link header names the next page.
common::Result<Page> paginate(Exchange& ex, std::vector<std::string> sorted) {
  Page page;
  page.n = kDefaultPageSize;
  if (ex.hasParam("n")) {
    const std::string text = ex.param("n");
    size_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Error{ErrorCode::InvalidArgument, "n must be a non-negative integer", text};
    }
    page.n = std::min(n, kMaxPageSize);
  }
  auto begin = sorted.begin();
  if (ex.hasParam("last")) {
    begin = std::upper_bound(sorted.begin(), sorted.end(), ex.param("last"));
  }
  const size_t available = static_cast<size_t>(sorted.end() - begin);
  const size_t take = std::min(available, page.n);
  page.items.assign(std::make_move_iterator(begin), std::make_move_iterator(begin + take));
  page.more = take < available && take > 0;
  return page;
}

void linkNext(Exchange& ex, const std::string& base, const Page& page) {
  if (!page.more) return;
  ex.res.setHeader("Link", "<" + base + "?n=" + std::to_string(page.n) +
                               "&last=" + page.items.back() + ">; rel=\"next\"");
}

std::string dump(const json& body) {
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

common::Status handleTags(RegistryContext& ctx, Exchange& ex) {
  if (ex.req.method != "GET") {
    return Error{ErrorCode::Unsupported, "method not allowed on tags", ex.req.method};
  }
  BERTH_TRY_ASSIGN(auto tags, ctx.manifests.tags(ex.route.name));
  BERTH_TRY_ASSIGN(Page page, paginate(ex, std::move(tags)));
  linkNext(ex, repositoryUrl(ex.route.name, "tags/list"), page);
  ex.res.status = 200;
  ex.res.setContent(dump(json{{"name", ex.route.name}, {"tags", page.items}}), "application/json");
  return {};
}

common::Status handleCatalog(RegistryContext& ctx, Exchange& ex) {
  if (ex.req.method != "GET") {
    return Error{ErrorCode::Unsupported, "method not allowed on the catalog", ex.req.method};
  }
  BERTH_TRY_ASSIGN(auto entries, walkRepositories(ctx.driver));
  std::vector<std::string> names;
  for (auto& entry : entries) {
    if (!entry.hasManifests) continue;
    // With auth on, the catalog shows only what the client may pull.
    if (ctx.auth.enabled() && !ctx.auth
                                   .authorize(ex.req.header("Authorization"), ex.req.header("Host"),
                                              entry.name, AccessAction::Pull)
                                   .allowed) {
      continue;
    }
    names.push_back(std::move(entry.name));
  }
  BERTH_TRY_ASSIGN(Page page, paginate(ex, std::move(names)));
  linkNext(ex, "/v2/_catalog", page);
  ex.res.status = 200;
  ex.res.setContent(dump(json{{"repositories", page.items}}), "application/json");
  return {};
}

common::Status handleReferrers(RegistryContext& ctx, Exchange& ex) {
  if (ex.req.method != "GET") {
    return Error{ErrorCode::Unsupported, "method not allowed on referrers", ex.req.method};
  }
  BERTH_TRY_ASSIGN(oci::Digest subject, oci::Digest::parse(ex.route.reference));
  const std::string filter = ex.param("artifactType");
  json manifests = json::array();
  BERTH_TRY_ASSIGN(auto referrers, ctx.manifests.referrers(ex.route.name, subject));
  for (const auto& digest : referrers) {
    auto bytes = ctx.manifests.get(ex.route.name, digest);
    if (!bytes) continue;  // deleted while we listed
    auto info = oci::parseManifest(*bytes, "");
    if (!info) continue;
    if (!filter.empty() && info->artifactType != filter) continue;
    json descriptor{
        {"mediaType", info->mediaType}, {"digest", digest.str()}, {"size", bytes->size()}};
    if (!info->artifactType.empty()) descriptor["artifactType"] = info->artifactType;
    if (!info->annotations.empty()) descriptor["annotations"] = info->annotations;
    manifests.push_back(std::move(descriptor));
  }
  if (!filter.empty()) ex.res.setHeader("OCI-Filters-Applied", "artifactType");
  ex.res.status = 200;
  ex.res.setContent(dump(json{{"schemaVersion", 2},
                              {"mediaType", oci::media::kOciIndex},
                              {"manifests", std::move(manifests)}}),
                    oci::media::kOciIndex);
  return {};
}

}  // namespace berth::registry
