#pragma once

#include <conductor/model/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

/// The JavaScript environment of INLINE, SWITCH, DECISION, LAMBDA and DO_WHILE conditions
/// (semantics.md §5.5), on SpiderMonkey 102: ECMAScript 2020 and later with the standard built-ins,
/// no host access. Each thread evaluates on an engine context of its own, started on its first call
/// and reused; every evaluation gets a fresh global. Calls are safe from any thread at once.
namespace conductor::detail {

/// Conductor's limit on one evaluation.
inline constexpr std::chrono::milliseconds kScriptTimeLimit{4000};

/// The engine's garbage-collected heap on one thread: a script that keeps three quarters of it alive
/// fails with a ScriptError, and the heap never grows past it. It holds objects, their properties
/// and strings; the buffers the engine allocates beside it (the elements of large arrays, typed
/// arrays) are not counted, and only the time limit bounds those.
inline constexpr std::uint32_t kScriptMemoryLimit = std::uint32_t{256} << 20;

/// The script does not compile, throws (Conductor's ScriptException) or runs out of memory: the same
/// input fails again.
class ScriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The script ran past its time limit and was interrupted.
class ScriptTimeout : public ScriptError {
 public:
  using ScriptError::ScriptError;
};

/// Evaluates `script` as a program with `$` bound to a copy of `input`; its completion value is the
/// result (`$.a > 1`, or `function f() {...} f();`). Arrays also answer Java's list methods
/// `get(i)`, `size()`, `contains(x)`, `isEmpty()`; objects `get(k)`, `containsKey(k)`, `size()`,
/// `isEmpty()`. Results come back as JSON.stringify has them: undefined → null, integral numbers as
/// integers. Promise jobs the script queues run after it, within the same time limit.
/// Throws ScriptError (message ``Error evaluating the script `<error>` at line <n>``, or one saying
/// the script ran out of memory) or ScriptTimeout.
Json evaluate_javascript(std::string_view script, const Json& input,
                         std::chrono::milliseconds time_limit = kScriptTimeLimit);

/// Compiles `script` without running it; the syntax error's text, or nothing when it compiles.
std::optional<std::string> javascript_syntax_error(std::string_view script);

/// Conductor's truthiness where a condition needs a boolean: a boolean as is, a number when > 0,
/// anything else (even the string "true") false.
bool script_truthy(const Json& value);

}  // namespace conductor::detail
