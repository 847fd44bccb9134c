#pragma once

#include <string>

#include "common/http/client_error.h"
#include "common/http/client_url.h"

namespace httplib {
enum class Error;
}

namespace berth::http {

// The one reading of a cpp-httplib client error. `stalled`: nothing moved for as long as the
// read or write timeout, which httplib 0.11 reports as a plain Read or Write error.
Failure failureOf(httplib::Error error, const Origin& origin, bool stalled);

// "httplib Read", the cause named in messages.
std::string causeOf(httplib::Error error);

}  // namespace berth::http
