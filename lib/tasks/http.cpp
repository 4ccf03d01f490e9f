#include "tasks/http.hpp"

#include "decider/java_text.hpp"
#include "net/http_client.hpp"
#include "tasks/task_input.hpp"
#include "util/utf8.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <variant>

namespace conductor::detail {

namespace {

constexpr std::int64_t kDefaultTimeoutMs = 3000;
/// Added to a call's timeouts before its queue message comes back to make it again.
constexpr std::int64_t kRedeliveryMarginS = 5;
constexpr std::size_t kReasonBodyChars = 200;

// The request object: `http_request`, or the input itself (the flat form).
const JsonObject& request_object(const JsonObject& input) {
  if (const Json* nested = input.if_contains("http_request"); nested && nested->is_object()) return nested->get_object();
  return input;
}

// A timeout in milliseconds; the error text when the value is not a positive number.
std::variant<std::int64_t, std::string> timeout_ms(const JsonObject& request, std::string_view key) {
  const Json* value = request.if_contains(key);
  if (!value || value->is_null()) return kDefaultTimeoutMs;
  std::int64_t ms = 0;
  if (value->is_int64()) {
    ms = value->get_int64();
  } else if (value->is_uint64()) {
    ms = static_cast<std::int64_t>(std::min<std::uint64_t>(value->get_uint64(), INT32_MAX));
  } else if (value->is_double()) {
    ms = static_cast<std::int64_t>(value->get_double());
  } else if (value->is_string()) {
    try {
      ms = std::stoll(std::string(value->get_string()));
    } catch (const std::exception&) {
      ms = 0;
    }
  }
  if (ms <= 0) return fmt::format("'{}' must be a positive number of milliseconds, got {}", key, java_text(*value));
  return ms;
}

// The call the task's input asks for, or why it cannot be made (Conductor's messages where it has one).
std::variant<HttpCallRequest, std::string> read_request(const JsonObject& input) {
  const JsonObject& spec = request_object(input);
  const Json* uri = spec.if_contains("uri");
  if (!uri || uri->is_null()) return std::string("Missing HTTP URI.  See documentation for HttpTask for required input parameters");
  const Json* method = spec.if_contains("method");
  if (!method || method->is_null()) return std::string("No HTTP method specified");
  HttpCallRequest request;
  request.url = input_text(spec, "uri");
  request.method = input_text(spec, "method");
  for (auto [key, field] : {std::pair{"connectionTimeOut", &request.connect_timeout},
                            std::pair{"readTimeOut", &request.read_timeout}}) {
    auto ms = timeout_ms(spec, key);
    if (auto* error = std::get_if<std::string>(&ms)) return std::move(*error);
    *field = std::chrono::milliseconds(std::get<std::int64_t>(ms));
  }
  std::string accept = "application/json";
  if (const Json* given = spec.if_contains("accept"); given && given->is_array()) {
    accept.clear();
    for (const Json& item : given->get_array()) accept += (accept.empty() ? "" : ", ") + java_text(item);
  } else if (given && given->is_string()) {
    accept = std::string(given->get_string());
  }
  const Json* content_type = spec.if_contains("contentType");
  request.headers.emplace_back("Content-Type", content_type && content_type->is_string()
                                                   ? std::string(content_type->get_string())
                                                   : "application/json");
  request.headers.emplace_back("Accept", accept);
  if (const Json* headers = spec.if_contains("headers"); headers && headers->is_object())
    for (const auto& [name, value] : headers->get_object())
      if (!value.is_null()) request.headers.emplace_back(std::string(name), java_text(value));
  if (const Json* body = spec.if_contains("body"); body && !body->is_null())
    request.body = body->is_string() ? std::string(body->get_string()) : boost::json::serialize(*body);
  return request;
}

// A JSON body as its value (numbers as doubles, other scalars as their text), anything else as text.
// Text from the remote end goes through valid_utf8 (here, in headers and in the reason): stored rows
// are JSON, which must be UTF-8, and a server may send Latin-1 or cut a character in two.
Json parse_body(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  Json parsed = boost::json::parse(text, ec);
  if (ec) return Json(valid_utf8(text));
  if (parsed.is_object() || parsed.is_array()) return parsed;
  if (parsed.is_number()) return parsed.to_number<double>();
  if (parsed.is_string()) return parsed;
  return Json(java_text(parsed));
}

// Header names compare without case; the first spelling seen names the entry.
JsonObject header_map(const std::vector<std::pair<std::string, std::string>>& headers) {
  JsonObject out;
  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
  };
  for (const auto& [name, value] : headers) {
    const std::string wanted = lower(name);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& entry) { return lower(entry.key()) == wanted; });
    if (it == out.end()) it = out.emplace(valid_utf8(name), JsonArray{}).first;
    it->value().as_array().emplace_back(valid_utf8(value));
  }
  return out;
}

TaskResult result_for(const Task& task, bool async_complete, const HttpCallOutcome& outcome) {
  TaskResult result;
  result.workflow_instance_id = task.workflow_instance_id;
  result.task_id = task.task_id;
  if (!outcome.response) {
    result.status = TaskResultStatus::kFailed;
    result.reason_for_incompletion = "Failed to invoke HTTP task due to: " + outcome.error;
    result.output_data["response"] = outcome.error;
    return result;
  }
  const HttpCallResponse& response = *outcome.response;
  JsonObject out;
  out["statusCode"] = response.status;
  out["reasonPhrase"] = valid_utf8(response.reason);
  out["headers"] = header_map(response.headers);
  out["body"] = parse_body(response.body);
  result.output_data["response"] = std::move(out);
  if (response.status >= 200 && response.status < 300) {
    result.status = async_complete ? TaskResultStatus::kInProgress : TaskResultStatus::kCompleted;
    return result;
  }
  result.status = TaskResultStatus::kFailed;
  std::string reason = fmt::format("{} {}", response.status, response.reason);
  if (!response.body.empty()) {
    reason += ": " + response.body.substr(0, kReasonBodyChars);
    if (response.body.size() > kReasonBodyChars) reason += "...";
  }
  result.reason_for_incompletion = valid_utf8(reason);
  return result;
}

}  // namespace

std::vector<Task> HttpTask::map(const MapperContext& context) const {
  const auto& node = context.node;
  Task task = context.new_task(type());
  task.input_data = context.task_input();
  task.input_data["asyncComplete"] = node.async_complete;
  task.status = TaskStatus::kScheduled;
  task.callback_after_seconds = node.start_delay;
  if (const TaskDef* def = context.task_def) {
    task.rate_limit_per_frequency = def->rate_limit_per_frequency;
    task.rate_limit_frequency_in_seconds = def->rate_limit_frequency_in_seconds;
    task.isolation_group_id = def->isolation_group_id;
    task.execution_name_space = def->execution_name_space;
  }
  return {std::move(task)};
}

void HttpTask::start(Task& task, SystemTaskContext& /*context*/) const {
  auto request = read_request(task.input_data);
  if (auto* error = std::get_if<std::string>(&request)) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = std::move(*error);
    return;
  }
  task.status = TaskStatus::kInProgress;
}

void HttpTask::call(const Task& task, HttpClient& client, std::function<void(TaskResult)> done) const {
  auto request = read_request(task.input_data);
  if (auto* error = std::get_if<std::string>(&request)) {
    // The input was checked when the task started; a task reset in place by an operation may differ.
    HttpCallOutcome outcome{std::nullopt, std::move(*error)};
    done(result_for(task, false, outcome));
    return;
  }
  client.send(std::move(std::get<HttpCallRequest>(request)),
              [done = std::move(done), task = task, async_complete = is_async_complete(task)](HttpCallOutcome outcome) {
                done(result_for(task, async_complete, outcome));
              });
}

std::int64_t HttpTask::evaluation_offset_seconds(const Task& task, EpochMillis /*now*/) const {
  auto request = read_request(task.input_data);
  const auto* call = std::get_if<HttpCallRequest>(&request);
  if (!call) return kRedeliveryMarginS;
  auto ms = call->connect_timeout.count() + call->read_timeout.count();
  return (ms + 999) / 1000 + kRedeliveryMarginS;
}

}  // namespace conductor::detail
