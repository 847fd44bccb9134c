#include "webhook-certs/tls_reloader.h"

#include <openssl/ssl.h>
#include <sys/stat.h>

#include <mutex>
#include <vector>

#include "webhook-certs/openssl_util.h"

namespace berth::webhook_certs {
namespace {

// What identifies a version of a file. stat() follows symlinks, so when Kubernetes swaps the
// ..data link of a mounted Secret the inode changes even if size and mtime happen to match.
struct FileStamp {
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = -1;
  timespec mtime{};
  bool operator==(const FileStamp& o) const {
    return device == o.device && inode == o.inode && size == o.size &&
           mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

FileStamp stampOf(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  return FileStamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
}

// An immutable certificate chain and key; handshakes hold a reference while they install it.
struct KeyPair {
  std::vector<X509Ptr> chain;
  PkeyPtr key;
  std::string serial;
};

common::Result<std::shared_ptr<const KeyPair>> loadPair(const std::string& certFile,
                                                        const std::string& keyFile) {
  BERTH_TRY_ASSIGN(const std::string certText, readTextFile(certFile));
  BERTH_TRY_ASSIGN(const std::string keyText, readTextFile(keyFile));
  auto pair = std::make_shared<KeyPair>();
  BERTH_TRY_ASSIGN(pair->chain, parseCertificates(certText, certFile));
  BERTH_TRY_ASSIGN(pair->key, parsePrivateKey(keyText, keyFile));
  if (X509_check_private_key(pair->chain[0].get(), pair->key.get()) != 1) {
    opensslErrors();
    return common::Error{
        common::ErrorCode::InvalidArgument,
        "the key in " + keyFile + " does not belong to the certificate in " + certFile};
  }
  pair->serial = serialHex(pair->chain[0].get());
  return std::shared_ptr<const KeyPair>(std::move(pair));
}

}  // namespace

struct TlsReloader::Impl {
  Impl(std::string cert, std::string key, common::Logger& log)
      : certFile(std::move(cert)), keyFile(std::move(key)), logger(log) {}

  std::shared_ptr<const KeyPair> current() const {
    std::lock_guard lock(mutex);
    return pair;
  }

  // The certificate callback of every handshake: installs the newest good pair on this SSL.
  static int installPair(SSL* ssl, void* arg) {
    auto pair = static_cast<Impl*>(arg)->current();
    if (!pair) return 0;
    if (SSL_use_certificate(ssl, pair->chain[0].get()) != 1 ||
        SSL_use_PrivateKey(ssl, pair->key.get()) != 1) {
      return 0;
    }
    STACK_OF(X509)* intermediates = sk_X509_new_null();
    for (size_t i = 1; i < pair->chain.size(); ++i)
      sk_X509_push(intermediates, pair->chain[i].get());
    // set1 takes its own references, so the stack of borrowed pointers can go.
    const int ok = SSL_set1_chain(ssl, intermediates);
    sk_X509_free(intermediates);
    return ok == 1 ? 1 : 0;
  }

  const std::string certFile;
  const std::string keyFile;
  common::Logger& logger;
  mutable std::mutex mutex;
  std::shared_ptr<const KeyPair> pair;
  // Only touched by loadInitial() and checkNow(), which the server calls from one thread.
  FileStamp certStamp;
  FileStamp keyStamp;
};

TlsReloader::TlsReloader(std::string certFile, std::string keyFile, common::Logger& logger)
    : impl_(std::make_unique<Impl>(std::move(certFile), std::move(keyFile), logger)) {}

TlsReloader::~TlsReloader() = default;

common::Status TlsReloader::loadInitial() {
  auto& s = *impl_;
  s.certStamp = stampOf(s.certFile);
  s.keyStamp = stampOf(s.keyFile);
  BERTH_TRY_ASSIGN(auto pair, loadPair(s.certFile, s.keyFile));
  std::lock_guard lock(s.mutex);
  s.pair = std::move(pair);
  return {};
}

bool TlsReloader::configure(SSL_CTX& ctx) {
  if (SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) != 1) return false;
  SSL_CTX_set_cert_cb(&ctx, &Impl::installPair, impl_.get());
  return true;
}

bool TlsReloader::checkNow() {
  auto& s = *impl_;
  const FileStamp cert = stampOf(s.certFile);
  const FileStamp key = stampOf(s.keyFile);
  if (cert == s.certStamp && key == s.keyStamp) return false;
  // Remember the stamps even when the pair is bad: one error per change, not one per second.
  // A writer that replaces the certificate and then the key changes the key's stamp next.
  s.certStamp = cert;
  s.keyStamp = key;
  auto pair = loadPair(s.certFile, s.keyFile);
  if (!pair) {
    s.logger.error("TLS certificate not reloaded; keeping the previous one",
                   {{"cert", s.certFile}, {"key", s.keyFile}, {"error", pair.error().message}});
    return false;
  }
  const std::string serial = (*pair)->serial;
  {
    std::lock_guard lock(s.mutex);
    if (s.pair && s.pair->serial == serial) return false;
    s.pair = std::move(pair).value();
  }
  s.logger.info("TLS certificate reloaded", {{"cert", s.certFile}, {"serial", serial}});
  return true;
}

}  // namespace berth::webhook_certs
