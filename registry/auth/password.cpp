#include "registry/auth/password.h"

namespace berth::registry {

bool PasswordChecker::check(const std::string& user, const std::string& password, TimePoint now) {
  const std::shared_ptr<const HtpasswdTable> table = file_->current();
  auto it = table->hashes.find(user);
  if (it == table->hashes.end()) {
    // Spend the same bcrypt time as for a known user, so response times do not reveal which
    // user names exist.
    if (!table->hashes.empty()) (void)verifyBcrypt(password, table->hashes.begin()->second);
    return false;
  }
  const std::string key = CredentialCache::key(user, password, it->second);
  if (cache_.contains(key, now)) return true;
  if (!verifyBcrypt(password, it->second)) return false;
  cache_.insert(key, now);
  return true;
}

bool PasswordChecker::knows(const std::string& user) {
  return file_->current()->hashes.count(user) > 0;
}

}  // namespace berth::registry
