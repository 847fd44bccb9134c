// A load client for the admission webhooks: N threads, each with its own HTTPS keep-alive
// connection, post one AdmissionReview for a fixed time and report reviews/s and latency
// percentiles. With --write-policy it instead writes a policy of N rules to load the server with.
//
//   webhook_load --write-policy /tmp/rules.yaml --rules 1000
//   berth certs generate --service berth-webhook --namespace berth --dns localhost --out /tmp/c
//   berth serve --webhook-listen 127.0.0.1:8443 --webhook-tls-cert /tmp/c/tls.crt
//       --webhook-tls-key /tmp/c/tls.key --policy /tmp/rules.yaml --log-level warn
//   webhook_load --port 8443 --ca /tmp/c/ca.crt --body tests/fixtures/admission/pod-create.json

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "common/args.h"

namespace {

using Clock = std::chrono::steady_clock;

// Rules that do not match the fixture's images, so every review scans all of them, plus the
// mirror and no-latest rules that do.
std::string policyWithRules(int rules) {
  std::ostringstream out;
  out << "apiVersion: berth.dev/v1\nkind: ImagePolicy\nmetadata: {name: load}\nspec:\n"
      << "  rules:\n";
  for (int i = 0; i < rules; ++i) {
    out << "    - name: team-" << i << "\n"
        << "      match: {images: ['registry\\.team" << i << "\\.example\\.com/.*'], "
        << "namespaces: {include: ['ns-" << i << "-.*']}}\n"
        << "      action: deny\n      message: team " << i
        << " images run only in its namespaces\n";
  }
  out << "    - name: mirror-docker-hub\n      match: {images: ['docker\\.io/.*']}\n"
      << "      action: rewrite\n";
  return out.str();
}

struct ThreadResult {
  std::vector<double> latenciesMs;
  uint64_t errors = 0;
};

}  // namespace

int main(int argc, char** argv) {
  berth::common::Args args(
      "webhook_load --port P --ca FILE --body FILE [FLAGS] | --write-policy FILE [--rules N]",
      "Measures the admission webhooks over HTTPS keep-alive.",
      {{"host", "NAME", "server name to dial and verify (default localhost)"},
       {"port", "P", "webhook port"},
       {"ca", "FILE", "CA bundle of the webhook certificate"},
       {"body", "FILE", "AdmissionReview to post"},
       {"path", "PATH", "/mutate or /validate (default /validate)"},
       {"threads", "N", "client threads, one connection each (default 8)"},
       {"seconds", "N", "duration (default 10)"},
       {"write-policy", "FILE", "write a policy with --rules rules and exit"},
       {"rules", "N", "rules in the written policy (default 1000)"}});
  if (auto parsed = args.parse({argv + 1, argv + argc}); !parsed || args.helpRequested()) {
    std::cerr << (parsed ? "" : parsed.error().message + "\n") << args.helpText();
    return parsed ? 0 : 2;
  }
  if (auto file = args.get("write-policy")) {
    std::ofstream(*file) << policyWithRules(std::stoi(args.get("rules").value_or("1000")));
    return 0;
  }
  if (!args.get("port") || !args.get("ca") || !args.get("body")) {
    std::cerr << "webhook_load: --port, --ca and --body are required\n";
    return 2;
  }
  std::ifstream in(*args.get("body"));
  const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string host = args.get("host").value_or("localhost");
  const int port = std::stoi(*args.get("port"));
  const std::string ca = *args.get("ca");
  const std::string path = args.get("path").value_or("/validate") + "?timeout=10s";
  const int threads = std::stoi(args.get("threads").value_or("8"));
  const auto duration = std::chrono::seconds(std::stoi(args.get("seconds").value_or("10")));

  std::vector<ThreadResult> results(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const auto end = Clock::now() + duration;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      httplib::SSLClient client(host, port);
      client.set_ca_cert_path(ca.c_str());
      client.enable_server_certificate_verification(true);
      client.set_keep_alive(true);
      client.set_address_family(AF_INET);
      // Go clients (the API server) disable Nagle; without it every review waits 40 ms.
      client.set_tcp_nodelay(true);
      auto& result = results[static_cast<size_t>(t)];
      while (Clock::now() < end) {
        const auto start = Clock::now();
        auto res = client.Post(path.c_str(), body, "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (!res || res->status != 200) {
          ++result.errors;
          continue;
        }
        result.latenciesMs.push_back(ms);
      }
    });
  }
  for (auto& w : workers) w.join();
  std::vector<double> all;
  uint64_t errors = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.latenciesMs.begin(), r.latenciesMs.end());
    errors += r.errors;
  }
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  const double seconds = std::chrono::duration<double>(duration).count();
  std::cout << "reviews: " << all.size() << " in " << seconds << " s ("
            << static_cast<uint64_t>(all.size() / seconds) << "/s), errors: " << errors
            << "\nlatency ms: p50 " << percentile(0.50) << ", p90 " << percentile(0.90) << ", p99 "
            << percentile(0.99) << ", max " << (all.empty() ? 0.0 : all.back()) << "\n";
  return errors == 0 ? 0 : 1;
}
