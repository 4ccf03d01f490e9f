#include "decider/parameters.hpp"

#include "decider/java_text.hpp"
#include "decider/jsonpath.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstdlib>
#include <vector>

extern char** environ;  // the process environment (POSIX)

namespace conductor::detail {

namespace {

constexpr std::string_view kSecretsPrefix = "workflow.secrets.";
constexpr std::string_view kEnvPrefix = "workflow.env.";
constexpr std::string_view kSecretReference = "${workflow.secrets.";

Json optional_text(const std::optional<std::string>& value) { return value ? Json(*value) : Json(nullptr); }

JsonObject workflow_entry(const Workflow& workflow) {
  JsonObject entry;
  entry.reserve(12);
  entry.emplace("input", workflow.input);
  entry.emplace("output", workflow.output);
  entry.emplace("status", to_string(workflow.status));
  entry.emplace("workflowId", workflow.workflow_id);
  entry.emplace("parentWorkflowId", optional_text(workflow.parent_workflow_id));
  entry.emplace("parentWorkflowTaskId", optional_text(workflow.parent_workflow_task_id));
  entry.emplace("workflowType", workflow.workflow_name());
  entry.emplace("version", workflow.workflow_version());
  entry.emplace("correlationId", optional_text(workflow.correlation_id));
  entry.emplace("reasonForIncompletion", optional_text(workflow.reason_for_incompletion));
  entry.emplace("schemaVersion", workflow.workflow_definition->schema_version);
  entry.emplace("variables", workflow.variables);
  return entry;
}

/// The document key of a task: its reference name, without the `__N` of a loop iteration.
std::string_view task_key(const Task& task) {
  const std::string_view ref = task.reference_task_name;
  return task.iteration > 0 ? strip_iteration_suffix(ref) : ref;
}

JsonObject task_entry(const Task& task) {
  JsonObject entry;
  entry.reserve(18);
  entry.emplace("input", task.input_data);
  entry.emplace("output", task.output_data);
  entry.emplace("taskType", task.task_type);
  entry.emplace("status", to_string(task.status));
  entry.emplace("referenceTaskName", task.reference_task_name);
  entry.emplace("retryCount", task.retry_count);
  entry.emplace("correlationId", optional_text(task.correlation_id));
  entry.emplace("pollCount", task.poll_count);
  entry.emplace("taskDefName", task.task_def_name);
  entry.emplace("scheduledTime", task.scheduled_time);
  entry.emplace("startTime", task.start_time);
  entry.emplace("endTime", task.end_time);
  entry.emplace("workflowInstanceId", task.workflow_instance_id);
  entry.emplace("taskId", task.task_id);
  entry.emplace("reasonForIncompletion", optional_text(task.reason_for_incompletion));
  entry.emplace("callbackAfterSeconds", task.callback_after_seconds);
  entry.emplace("workerId", optional_text(task.worker_id));
  entry.emplace("iteration", task.iteration);
  return entry;
}

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos;
}

/// Index of the `}` balancing the `{` at `open`, or npos. Every brace counts, as in Conductor's
/// balanced-brace pattern.
std::size_t matching_brace(std::string_view s, std::size_t open) {
  int depth = 0;
  for (auto i = open; i < s.size(); ++i) {
    if (s[i] == '{') {
      ++depth;
    } else if (s[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

/// `$${` is the escape of `${`; it is undone once the expressions are replaced.
std::string unescape(std::string text) {
  auto pos = text.find("$${");
  if (pos == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  for (; pos != std::string::npos; pos = text.find("$${", copied)) {
    out.append(text, copied, pos - copied);
    out += "${";
    copied = pos + 3;
  }
  out.append(text, copied);
  return out;
}

/// Reads `path` inside a JSON text (an environment value or a secret); null when either is invalid.
Json read_json_path(std::string_view json_text, std::string_view path) {
  boost::system::error_code ec;
  const Json document = boost::json::parse(json_text, ec);
  if (ec) return nullptr;
  return evaluate_json_path(path, document);
}

/// `NAME` or `NAME.json.path` after a `workflow.env.`/`workflow.secrets.` prefix.
template <typename Lookup>
Json named_value(std::string_view reference, Lookup lookup) {
  const auto dot = reference.find('.');
  const auto value = lookup(reference.substr(0, dot));
  if (!value) return nullptr;
  if (dot == std::string_view::npos) return Json(*value);
  return read_json_path(*value, reference.substr(dot + 1));
}

class Resolver {
 public:
  Resolver(const ParameterContext& context, const ResolveOptions& options) : context_(context), options_(options) {}

  Json value(const Json& v) const {
    switch (v.kind()) {
      case boost::json::kind::string:
        return string_value(v.get_string());
      case boost::json::kind::object:
        return object(v.get_object());
      case boost::json::kind::array: {
        JsonArray out;
        out.reserve(v.get_array().size());
        for (const auto& element : v.get_array()) out.push_back(value(element));
        return out;
      }
      default:
        return v;
    }
  }

  JsonObject object(const JsonObject& input) const {
    JsonObject out;
    out.reserve(input.size());
    for (const auto& entry : input) out.emplace(entry.key(), value(entry.value()));
    return out;
  }

 private:
  struct Replacement {
    std::size_t begin;
    std::size_t end;
    Json value;
  };

  /// A top-level string: one expression spanning all of it keeps its raw value.
  Json string_value(std::string_view s) const {
    if (s.find("${") == std::string_view::npos) return Json(s);
    auto replacements = evaluate_all(s);
    if (replacements.size() == 1 && replacements.front().begin == 0 && replacements.front().end == s.size()) {
      return std::move(replacements.front().value);
    }
    return Json(splice(s, replacements));
  }

  /// The body of an expression with its nested expressions spliced in as text.
  std::string text(std::string_view s) const {
    if (s.find("${") == std::string_view::npos) return std::string(s);
    return splice(s, evaluate_all(s));
  }

  /// The expressions of `s` that get a replacement, in order. Expressions are not nested in each
  /// other here: nested ones are part of their parent's body.
  std::vector<Replacement> evaluate_all(std::string_view s) const {
    std::vector<Replacement> out;
    for (auto i = s.find("${"); i != std::string_view::npos; i = s.find("${", i)) {
      if (i > 0 && s[i - 1] == '$') {
        i += 2;
        continue;
      }
      const auto close = matching_brace(s, i + 1);
      if (close == std::string_view::npos) {
        i += 2;
        continue;
      }
      if (auto replacement = evaluate(s.substr(i, close + 1 - i))) {
        out.push_back({i, close + 1, std::move(*replacement)});
      }
      i = close + 1;
    }
    return out;
  }

  static std::string splice(std::string_view s, const std::vector<Replacement>& replacements) {
    std::string out;
    out.reserve(s.size());
    std::size_t copied = 0;
    for (const auto& replacement : replacements) {
      out.append(s.substr(copied, replacement.begin - copied));
      append_java_text(out, replacement.value);
      copied = replacement.end;
    }
    out.append(s.substr(copied));
    return unescape(std::move(out));
  }

  /// The value of one `${...}`; nullopt leaves the expression in the text unchanged.
  std::optional<Json> evaluate(std::string_view expression) const {
    const auto body = expression.substr(2, expression.size() - 3);
    std::string nested;
    std::string_view path = body;
    if (body.find("${") != std::string_view::npos) {
      // Text from clients may nest `${` as deep as it is long; past the bound the expression is
      // left as written rather than recursing until the stack runs out.
      if (nesting_ == kMaxNesting) return std::nullopt;
      ++nesting_;
      nested = text(body);
      --nesting_;
      path = nested;
    }
    if (is_blank(path)) return Json("");
    if (path.starts_with(kSecretsPrefix)) return Json(expression);  // substituted at hand-off only
    if (path.starts_with(kEnvPrefix)) {
      return named_value(path.substr(kEnvPrefix.size()),
                         [this](std::string_view name) { return options_.environment.env_variable(name); });
    }
    if (path == "CPEWF_TASK_ID") {
      if (!options_.task_id) return std::nullopt;
      return Json(*options_.task_id);
    }
    if (auto value = options_.environment.get(path)) return Json(*value);
    if (path == "NETFLIX_ENV" || path == "NETFLIX_STACK") return std::nullopt;
    return evaluate_json_path(path, context_.document_for(path));
  }

  static constexpr int kMaxNesting = 32;

  const ParameterContext& context_;
  const ResolveOptions& options_;
  mutable int nesting_ = 0;
};

Json substitute_secret_string(std::string_view s, const EnvironmentLookup& environment) {
  auto lookup = [&environment](std::string_view name) { return environment.secret(name); };
  const auto reference_end = s.find('}', kSecretReference.size());
  if (s.starts_with(kSecretReference) && reference_end == s.size() - 1 && reference_end > kSecretReference.size()) {
    return named_value(s.substr(kSecretReference.size(), reference_end - kSecretReference.size()), lookup);
  }
  std::string out;
  std::size_t copied = 0;
  for (auto begin = s.find(kSecretReference); begin != std::string_view::npos;
       begin = s.find(kSecretReference, begin + 1)) {
    const auto name_begin = begin + kSecretReference.size();
    const auto end = s.find('}', name_begin);
    if (end == std::string_view::npos) break;
    if (end == name_begin) continue;  // `${workflow.secrets.}` names nothing
    out.append(s.substr(copied, begin - copied));
    const Json value = named_value(s.substr(name_begin, end - name_begin), lookup);
    if (!value.is_null()) append_java_text(out, value);
    copied = end + 1;
    begin = end;
  }
  if (copied == 0) return Json(s);
  out.append(s.substr(copied));
  return Json(std::move(out));
}

Json substitute_secrets_in(const Json& value, const EnvironmentLookup& environment) {
  switch (value.kind()) {
    case boost::json::kind::string:
      return substitute_secret_string(value.get_string(), environment);
    case boost::json::kind::object:
      return substitute_secrets(value.get_object(), environment);
    case boost::json::kind::array: {
      JsonArray out;
      out.reserve(value.get_array().size());
      for (const auto& element : value.get_array()) out.push_back(substitute_secrets_in(element, environment));
      return out;
    }
    default:
      return value;
  }
}

}  // namespace

std::optional<std::string> EnvironmentLookup::get(std::string_view name) const {
  // getenv needs a terminated string; names with '=' or NUL cannot be environment variables.
  if (!name.empty() && name.find_first_of(std::string_view("=\0", 2)) == std::string_view::npos) {
    const std::string key(name);
    if (const char* value = std::getenv(key.c_str())) return std::string(value);
  }
  if (properties_ != nullptr) {
    if (auto it = properties_->find(name); it != properties_->end()) return it->second;
  }
  return std::nullopt;
}

std::optional<std::string> EnvironmentLookup::env_variable(std::string_view name) const {
  return get(std::string(kEnvVariablePrefix) + std::string(name));
}

std::optional<std::string> EnvironmentLookup::secret(std::string_view name) const {
  return get(std::string(kSecretPrefix) + std::string(name));
}

std::map<std::string, std::string> EnvironmentLookup::with_prefix(std::string_view prefix) const {
  std::map<std::string, std::string> found;
  if (properties_ != nullptr) {
    for (const auto& [name, value] : *properties_)
      if (name.starts_with(prefix)) found[name.substr(prefix.size())] = value;
  }
  // The process environment wins over the properties, as in get().
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || !text.substr(0, eq).starts_with(prefix)) continue;
    found[std::string(text.substr(prefix.size(), eq - prefix.size()))] = std::string(text.substr(eq + 1));
  }
  return found;
}

std::string_view strip_iteration_suffix(std::string_view reference_name) {
  const auto pos = reference_name.find("__");
  if (pos == std::string_view::npos) return reference_name;
  if (pos > 0) return reference_name.substr(0, pos);
  // Java's split drops trailing empty tokens: a name made only of "__" pairs has no token at all and
  // is kept whole; any other name starting with "__" has an empty first token.
  const bool only_pairs = reference_name.find_first_not_of('_') == std::string_view::npos && reference_name.size() % 2 == 0;
  return only_pairs ? reference_name : std::string_view();
}

const Json& ParameterContext::document() const {
  if (whole_) return document_;
  JsonObject document;
  document.reserve(workflow_->tasks.size() + 1);
  // The newest task for each key wins, so walk backwards and keep the first entry seen.
  for (auto it = workflow_->tasks.rbegin(); it != workflow_->tasks.rend(); ++it) {
    const auto key = task_key(*it);
    if (!document.contains(key)) document.emplace(key, task_entry(*it));
  }
  // Conductor puts `workflow` first and lets a task named "workflow" overwrite it.
  if (!document.contains("workflow")) document.emplace("workflow", workflow_entry(*workflow_));
  document_ = std::move(document);
  whole_ = true;
  return document_;
}

const Json& ParameterContext::document_for(std::string_view path) const {
  if (whole_) return document_;
  // A path read from the root (`$...`, or `$` in a filter), or not starting with a plain name, may
  // read any entry, and the order of entries too.
  const auto name = path.substr(0, path.find_first_of(".["));
  if (name.empty() || path.find('$') != std::string_view::npos ||
      name.find_first_of("*@()?,'\" \t\n\r\f\v") != std::string_view::npos) {
    return document();
  }
  if (std::find(built_.begin(), built_.end(), name) != built_.end()) return document_;
  built_.emplace_back(name);
  const auto newest = std::find_if(workflow_->tasks.rbegin(), workflow_->tasks.rend(),
                                   [&](const Task& t) { return task_key(t) == name; });
  if (newest != workflow_->tasks.rend()) {
    document_.get_object().emplace(name, task_entry(*newest));
  } else if (name == "workflow") {
    document_.get_object().emplace(name, workflow_entry(*workflow_));
  }
  return document_;
}

JsonObject resolve(const JsonObject& input, const ParameterContext& context, const ResolveOptions& options) {
  return Resolver(context, options).object(input);
}

Json resolve_value(const Json& value, const ParameterContext& context, const ResolveOptions& options) {
  return Resolver(context, options).value(value);
}

JsonObject resolve_task_input(const JsonObject& input_parameters, const JsonObject& input_template,
                              const ParameterContext& context, const ResolveOptions& options) {
  const Resolver resolver(context, options);
  JsonObject out;
  out.reserve(input_parameters.size() + input_template.size());
  for (const auto& entry : input_parameters) {
    // Conductor merges the template with putIfAbsent, which also fills keys mapped to null.
    const Json* source = &entry.value();
    if (source->is_null()) {
      if (const auto* fallback = input_template.if_contains(entry.key())) source = fallback;
    }
    out.emplace(entry.key(), resolver.value(*source));
  }
  for (const auto& entry : input_template) {
    if (!input_parameters.contains(entry.key())) out.emplace(entry.key(), resolver.value(entry.value()));
  }
  for (auto& entry : out) {
    if (!entry.value().is_null()) continue;
    if (const auto* fallback = input_template.if_contains(entry.key())) entry.value() = *fallback;
  }
  return out;
}

void add_missing_keys(JsonObject& target, const JsonObject& defaults) {
  for (const auto& entry : defaults) {
    if (!target.contains(entry.key())) target.emplace(entry.key(), entry.value());
  }
}

JsonObject substitute_secrets(const JsonObject& input, const EnvironmentLookup& environment) {
  JsonObject out;
  out.reserve(input.size());
  for (const auto& entry : input) out.emplace(entry.key(), substitute_secrets_in(entry.value(), environment));
  return out;
}

}  // namespace conductor::detail
