#pragma once

#include <conductor/model/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// The request and response values handlers see: plain data, no sockets, no Beast types, so
/// handlers and the router are tested by constructing them directly.
namespace conductor::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view to_string(Method method);
/// Parses an HTTP method token (case-sensitive, as HTTP defines it); unknown tokens give kOther.
Method parse_method(std::string_view token);

using Headers = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request as handlers see it. Path segments and query values are percent-decoded; in the
/// query `+` also means a space. Lookups that must convert a value throw ValidationError (400) with
/// a message naming the parameter, where Conductor would answer 500 (api.md 3.4).
/// Immutable once routed, so safe to read from any thread.
class Request {
 public:
  /// `target` is the request target ("/api/x/y?a=1"). Throws ValidationError when it is not an
  /// absolute path or holds a malformed percent escape.
  Request(Method method, std::string_view target, std::string body = {}, Headers headers = {});

  Method method() const { return method_; }
  /// The path as sent (still percent-encoded), without the query.
  const std::string& path() const { return path_; }
  /// The decoded path segments: "/api/queue/" gives {"api", "queue", ""}.
  const std::vector<std::string>& segments() const { return segments_; }

  /// The value of a `{name}` segment of the matched route. Asking for a name the route does not
  /// declare is a bug in the handler: throws std::logic_error (500).
  const std::string& path_param(std::string_view name) const;

  /// The first value of query parameter `name`, absent when not sent.
  std::optional<std::string> query(std::string_view name) const;
  std::string query(std::string_view name, std::string_view fallback) const;
  /// Every value of a repeated parameter (`?id=a&id=b`), in order.
  std::vector<std::string> query_all(std::string_view name) const;
  /// Like query(name), but a missing parameter is a ValidationError (400).
  std::string required_query(std::string_view name) const;

  /// Integer parameters. Absent or empty means "not given" (the fallback applies); anything else
  /// that is not a decimal integer in range is a ValidationError.
  std::optional<int> query_int(std::string_view name) const;
  int query_int(std::string_view name, int fallback) const;
  std::optional<std::int64_t> query_long(std::string_view name) const;
  std::int64_t query_long(std::string_view name, std::int64_t fallback) const;

  /// Boolean parameters: true/false, 1/0, yes/no, on/off in any case. Absent or empty means
  /// "not given"; any other text is a ValidationError.
  std::optional<bool> query_bool(std::string_view name) const;
  bool query_bool(std::string_view name, bool fallback) const;

  /// The first value of header `name` (case-insensitive), absent when not sent.
  std::optional<std::string_view> header(std::string_view name) const;
  const Headers& headers() const { return headers_; }

  const std::string& body() const { return body_; }
  /// The body parsed as JSON. An empty or malformed body is a ValidationError (400).
  Json json() const;

  /// Set by the router when it picks a route: the values of its `{name}` segments.
  void set_path_params(std::vector<std::pair<std::string, std::string>> params) {
    path_params_ = std::move(params);
  }

 private:
  Method method_;
  std::string path_;
  std::vector<std::string> segments_;
  std::vector<std::pair<std::string, std::string>> query_;
  std::vector<std::pair<std::string, std::string>> path_params_;
  Headers headers_;
  std::string body_;
};

inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";

struct Response;

/// An answer that waits for an event without holding a thread (a long poll). A handler returns it
/// inside a Response; the transport parks the request and calls attempt() on a worker thread, first
/// at once and again whenever `wake` is called, recheck_at() or deadline() passes. The transport
/// calls it from one thread at a time and destroys it when the request is answered or abandoned.
class Pending {
 public:
  virtual ~Pending() = default;
  /// When to stop waiting; the attempt made then has `last` set.
  virtual std::chrono::steady_clock::time_point deadline() const = 0;
  /// Arms `wake` (unless `last`), then tries once without blocking. Returns the answer, or nullopt
  /// to keep waiting; with `last` set it always answers. `wake` may be called from any thread, at
  /// most once per attempt, possibly before attempt() returns. May throw like a handler.
  virtual std::optional<Response> attempt(std::function<void()> wake, bool last) = 0;
  /// When to attempt again although nobody called `wake` (a delayed message becomes visible).
  virtual std::optional<std::chrono::steady_clock::time_point> recheck_at() const = 0;
  /// Withdraws the armed wake: the request is answered or abandoned.
  virtual void disarm() = 0;
  /// True when the request has already changed something (started a workflow, delivered a signal):
  /// a server that cannot park one more request then answers it at once with a last attempt instead
  /// of refusing it, so that the client does not retry what was done.
  virtual bool acted() const { return false; }
};

/// What a handler answers. An empty `content_type` means no body (200 or 204 with nothing).
struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  Headers headers;  ///< extra headers, e.g. Allow on a 405
  /// Set instead of an answer when the request waits (the other fields are then unused).
  std::shared_ptr<Pending> pending;

  /// `value` serialized with Content-Type application/json.
  static Response json(const Json& value, int status = 200);
  /// `text` as text/plain, the way Conductor answers ids.
  static Response text(std::string text, int status = 200);
  /// No body: Conductor's void handlers (200) and "nothing to hand back" (204).
  static Response empty(int status = 200);
  /// An answer that `pending` gives later.
  static Response wait(std::shared_ptr<Pending> pending);
};

}  // namespace conductor::http
