#pragma once

#include <conductor/model/json.hpp>
#include <conductor/model/workflow.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Conductor's input-parameter resolution (semantics section 3, `ParametersUtils`): `${...}`
/// expressions in task inputs, workflow outputs and operator parameters, evaluated against a
/// context document built from the workflow. All functions are pure and thread-safe.
namespace conductor::detail {

/// Engine properties, Conductor's JVM system properties: consulted after the process environment.
/// Where `${workflow.env.NAME}` and `${workflow.secrets.NAME}` values are found: the variable or
/// property with this prefix before NAME.
inline constexpr std::string_view kEnvVariablePrefix = "CONDUCTOR_ENV_";
inline constexpr std::string_view kSecretPrefix = "CONDUCTOR_SECRET_";

using PropertyMap = std::map<std::string, std::string, std::less<>>;

/// Where names outside the context document come from: the process environment first, then the
/// engine properties, as Conductor reads environment variables before system properties.
/// Holds a borrowed pointer only: cheap to copy.
class EnvironmentLookup {
 public:
  /// Process environment only.
  EnvironmentLookup() = default;
  /// Process environment, then `properties` (borrowed: must outlive this object and its copies).
  explicit EnvironmentLookup(const PropertyMap& properties) : properties_(&properties) {}

  /// The value of `name`, or nullopt when neither source has it.
  std::optional<std::string> get(std::string_view name) const;
  /// `${workflow.env.NAME}`: the value of CONDUCTOR_ENV_<NAME>.
  std::optional<std::string> env_variable(std::string_view name) const;
  /// `${workflow.secrets.NAME}`: the value of CONDUCTOR_SECRET_<NAME>.
  std::optional<std::string> secret(std::string_view name) const;
  /// Every name starting with `prefix`, without it, with the value get() would answer.
  std::map<std::string, std::string> with_prefix(std::string_view prefix) const;

 private:
  const PropertyMap* properties_ = nullptr;
};

/// How one resolution runs.
struct ResolveOptions {
  /// Id of the task being created. Without it `${CPEWF_TASK_ID}` stays in the text unchanged, as
  /// for the mappers that resolve without a task id (semantics 3.7).
  std::optional<std::string> task_id;
  /// Source of `${NAME}` system parameters and `${workflow.env.*}` values.
  EnvironmentLookup environment;
};

/// The document expressions are evaluated against (semantics 3.1): `workflow` with the workflow's
/// addressable fields, and one entry per task reference name (loop suffix `__N` removed; the newest
/// task wins). Over a workflow it is built on demand: a path that starts with a name and refers to
/// nothing else by `$` reads one entry, so only the entries such paths name are built (a decide
/// usually reads `workflow` and a task or two, not every task's input and output); any other path
/// gets the whole document. Make one per decide and share it across the resolutions of that
/// decide; it is a snapshot, so make another after the workflow's tasks change. Not thread-safe.
class ParameterContext {
 public:
  /// Over `workflow`, borrowed: it must outlive this object.
  explicit ParameterContext(const Workflow& workflow) : workflow_(&workflow) {}
  ParameterContext(const Workflow&&) = delete;
  /// Over a document given whole (an event's payload).
  explicit ParameterContext(Json document) : document_(std::move(document)), whole_(true) {}

  /// The whole document.
  const Json& document() const;
  /// The document with at least what `path` can read. Valid until the next call.
  const Json& document_for(std::string_view path) const;

 private:
  const Workflow* workflow_ = nullptr;
  mutable Json document_ = JsonObject();
  mutable bool whole_ = false;
  mutable std::vector<std::string> built_;  // the names looked up so far, found or not
};

/// Conductor's `TaskUtils.removeIterationFromTaskRefName`: the part before the first `__`.
std::string_view strip_iteration_suffix(std::string_view reference_name);

/// Resolves every `${...}` in `input` against `context` (semantics 3.2-3.5): maps and lists are
/// walked, keys are never resolved, a string that is exactly one expression gives the raw value,
/// other strings get text forms spliced in, `$${` escapes and becomes `${`. Never throws.
JsonObject resolve(const JsonObject& input, const ParameterContext& context, const ResolveOptions& options);

/// resolve() for a single value of any kind.
Json resolve_value(const Json& value, const ParameterContext& context, const ResolveOptions& options);

/// A task's input with its TaskDef input template applied (semantics 3.7): template keys missing
/// from `input_parameters` (or null there) are added before resolution; after it, every null value
/// whose key the template has is replaced by the template's raw, unresolved value.
JsonObject resolve_task_input(const JsonObject& input_parameters, const JsonObject& input_template,
                              const ParameterContext& context, const ResolveOptions& options);

/// Adds a copy of each entry of `defaults` whose key `target` lacks (the WorkflowDef input template
/// merge at workflow start, semantics 3.7 rule 3: not resolved).
void add_missing_keys(JsonObject& target, const JsonObject& defaults);

/// The hand-off view of a task input (semantics 3.9): `${workflow.secrets.NAME}` and
/// `${workflow.secrets.NAME.json.path}` replaced using CONDUCTOR_SECRET_<NAME>. A string that is one
/// reference gets the raw value (null when missing); embedded references get its text (empty when
/// missing). The stored input keeps the literals; call this on a copy only.
JsonObject substitute_secrets(const JsonObject& input, const EnvironmentLookup& environment);

}  // namespace conductor::detail
