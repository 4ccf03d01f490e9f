#include "tasks/json_jq_transform.hpp"

extern "C" {
#include <jq.h>
}

#include <cctype>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace conductor::detail {

namespace {

jv to_jv(const Json& value);

jv to_jv(const JsonObject& object) {
  jv out = jv_object();
  for (const auto& [key, member] : object)
    out = jv_object_set(out, jv_string_sized(key.data(), static_cast<int>(key.size())), to_jv(member));
  return out;
}

// Converts to jq's value type; jq numbers are doubles.
jv to_jv(const Json& value) {
  switch (value.kind()) {
    case boost::json::kind::null: return jv_null();
    case boost::json::kind::bool_: return jv_bool(value.get_bool());
    case boost::json::kind::int64: return jv_number(static_cast<double>(value.get_int64()));
    case boost::json::kind::uint64: return jv_number(static_cast<double>(value.get_uint64()));
    case boost::json::kind::double_: return jv_number(value.get_double());
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      return jv_string_sized(s.data(), static_cast<int>(s.size()));
    }
    case boost::json::kind::array: {
      jv out = jv_array();
      for (const auto& element : value.get_array()) out = jv_array_append(out, to_jv(element));
      return out;
    }
    case boost::json::kind::object: return to_jv(value.get_object());
  }
  return jv_null();
}

std::string string_of(jv text) {
  std::string out(jv_string_value(text), static_cast<std::size_t>(jv_string_length_bytes(jv_copy(text))));
  jv_free(text);
  return out;
}

// Converts back and releases `value`. Whole numbers become integers, as upstream reports them.
Json from_jv(jv value) {
  Json out;
  switch (jv_get_kind(value)) {
    case JV_KIND_TRUE: out = true; break;
    case JV_KIND_FALSE: out = false; break;
    case JV_KIND_NUMBER: {
      double d = jv_number_value(value);
      if (std::trunc(d) == d && std::fabs(d) < 9.2e18)
        out = static_cast<std::int64_t>(d);
      else
        out = d;
      break;
    }
    case JV_KIND_STRING: return Json(string_of(value));
    case JV_KIND_ARRAY: {
      auto& array = out.emplace_array();
      const int n = jv_array_length(jv_copy(value));
      for (int i = 0; i < n; ++i) array.push_back(from_jv(jv_array_get(jv_copy(value), i)));
      break;
    }
    case JV_KIND_OBJECT: {
      auto& object = out.emplace_object();
      for (int it = jv_object_iter(value); jv_object_iter_valid(value, it); it = jv_object_iter_next(value, it)) {
        std::string key = string_of(jv_object_iter_key(value, it));
        object[key] = from_jv(jv_object_iter_value(value, it));
      }
      break;
    }
    default: break;
  }
  jv_free(value);
  return out;
}

// The text of an error value (jq's `error(x)` may raise any value); releases it.
std::string message_of(jv message) {
  if (jv_get_kind(message) == JV_KIND_STRING) return string_of(message);
  return string_of(jv_dump_string(message, 0));
}

struct JqDeleter {
  void operator()(jq_state* state) const { jq_teardown(&state); }
};
using JqState = std::unique_ptr<jq_state, JqDeleter>;

// Compile messages arrive through a callback; the first one names the problem.
void collect_error(void* sink, jv message) {
  auto& first = *static_cast<std::optional<std::string>*>(sink);
  std::string text = message_of(message);
  constexpr std::string_view kPrefix = "jq: error: ";
  if (text.starts_with(kPrefix)) text.erase(0, kPrefix.size());
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (!first) first = std::move(text);
}

struct Program {
  JqState state;
  std::optional<std::string> error;  // boxed: the state's callback keeps its address
};

// Compiling loads jq's builtin library, which costs far more than running a small program, so each
// thread keeps its compiled programs (a jq state is single-threaded).
jq_state& compiled(const std::string& expression) {
  constexpr std::size_t kMaxCached = 64;
  thread_local std::unordered_map<std::string, std::unique_ptr<Program>> cache;
  if (auto it = cache.find(expression); it != cache.end()) return *it->second->state;
  auto program = std::make_unique<Program>();
  program->state.reset(jq_init());
  if (!program->state) throw std::bad_alloc();
  jq_set_error_cb(program->state.get(), collect_error, &program->error);
  if (!jq_compile(program->state.get(), expression.c_str()))
    throw std::runtime_error(program->error.value_or("jq program does not compile"));
  if (cache.size() >= kMaxCached) cache.clear();
  return *cache.emplace(expression, std::move(program)).first->second->state;
}

std::vector<Json> run(const std::string& expression, const JsonObject& input) {
  jq_state& jq = compiled(expression);
  jq_start(&jq, to_jv(input), 0);
  std::vector<Json> results;
  for (;;) {
    jv next = jq_next(&jq);
    if (jv_is_valid(next)) {
      results.push_back(from_jv(next));
      continue;
    }
    if (!jv_invalid_has_msg(jv_copy(next))) {
      jv_free(next);
      return results;
    }
    throw std::runtime_error(message_of(jv_invalid_get_msg(next)));
  }
}

}  // namespace

std::vector<Task> JsonJqTransformTask::map(const MapperContext& context) const {
  Task task = context.new_task(type());
  task.input_data = context.task_input();
  task.status = TaskStatus::kInProgress;
  return {std::move(task)};
}

void JsonJqTransformTask::start(Task& task, SystemTaskContext& /*context*/) const {
  const auto* expression = task.input_data.if_contains("queryExpression");
  if (!expression || !expression->is_string()) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = "Missing 'queryExpression' in input parameters";
    return;
  }
  try {
    auto results = run(std::string(expression->get_string()), task.input_data);
    task.output_data["result"] = results.empty() ? Json() : results.front();
    task.output_data["resultList"] = JsonArray(results.begin(), results.end());
    task.status = TaskStatus::kCompleted;
  } catch (const std::runtime_error& e) {
    task.status = TaskStatus::kFailed;
    task.reason_for_incompletion = e.what();
    task.output_data["error"] = e.what();
  }
}

bool JsonJqTransformTask::execute(Task& task, SystemTaskContext& context) const {
  start(task, context);
  return true;
}

}  // namespace conductor::detail
