#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/http/connection.h"
#include "common/http/server_request.h"
#include "common/http/server_response.h"

namespace berth::http {

// The reason phrase of a status code ("Not Found"); "" for codes without one here.
const char* statusReason(int status);

// A complete short answer that closes the connection: for refusals before any handler runs.
std::string closingResponse(int status, std::string_view message);

// Writes `res` as the answer to `req`: Content-Length for a string body or a provider of known
// length, chunked for one of unknown length (HTTP/1.1; an HTTP/1.0 client gets the bytes and a
// close), headers only for HEAD with the Content-Length a GET would have (a handler may set it
// itself for HEAD), "Connection: close" when `keepAlive` is false. Each wait for the socket is
// bounded by `writeTimeout`. false when the connection failed or a provider aborted: it must be
// closed.
bool writeResponse(Connection& conn, const ServerRequest& req, ServerResponse& res, bool keepAlive,
                   std::chrono::milliseconds writeTimeout);

}  // namespace berth::http
