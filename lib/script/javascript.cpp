#include "script/javascript.hpp"

#include <duktape.h>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace conductor::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A runaway script fails with a RangeError instead of taking the process's memory.
constexpr std::size_t kMemoryLimit = std::size_t{256} << 20;

/// What one evaluation may spend; the heap's user data, read by the allocator and the interrupt hook.
struct Budget {
  SteadyClock::time_point deadline;
  bool expired = false;
  std::size_t bytes = 0;
};

// Each block carries its size in front so the allocator can keep count.
constexpr std::size_t kHeader = alignof(std::max_align_t);

std::size_t block_size(void* ptr) {
  std::size_t size;
  std::memcpy(&size, static_cast<char*>(ptr) - kHeader, sizeof size);
  return size;
}

void* place(void* block, std::size_t size) {
  std::memcpy(block, &size, sizeof size);
  return static_cast<char*>(block) + kHeader;
}

void* allocate(void* udata, duk_size_t size) {
  auto& budget = *static_cast<Budget*>(udata);
  if (size > kMemoryLimit - budget.bytes) return nullptr;
  void* block = std::malloc(size + kHeader);
  if (!block) return nullptr;
  budget.bytes += size;
  return place(block, size);
}

void release(void* udata, void* ptr) {
  if (!ptr) return;
  static_cast<Budget*>(udata)->bytes -= block_size(ptr);
  std::free(static_cast<char*>(ptr) - kHeader);
}

void* reallocate(void* udata, void* ptr, duk_size_t size) {
  if (!ptr) return allocate(udata, size);
  if (size == 0) {
    release(udata, ptr);
    return nullptr;
  }
  auto& budget = *static_cast<Budget*>(udata);
  std::size_t old = block_size(ptr);
  if (size > old && size - old > kMemoryLimit - budget.bytes) return nullptr;
  void* block = std::realloc(static_cast<char*>(ptr) - kHeader, size + kHeader);
  if (!block) return nullptr;
  budget.bytes = budget.bytes - old + size;
  return place(block, size);
}

class Heap {
 public:
  explicit Heap(std::chrono::milliseconds time_limit)
      : budget_{SteadyClock::now() + time_limit},
        ctx_(duk_create_heap(allocate, reallocate, release, &budget_, nullptr)) {
    if (!ctx_) throw std::bad_alloc();
  }
  ~Heap() { duk_destroy_heap(ctx_); }
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;

  duk_context* get() const { return ctx_; }
  bool expired() const { return budget_.expired; }

 private:
  Budget budget_;
  duk_context* ctx_;
};

// Prepares a fresh heap (called with the global object) and returns the prototype that `$`'s
// objects get, which carries Java's Map methods; putting them on Object.prototype instead would turn
// every `{value: ...}` into an invalid property descriptor (descriptors are read through the
// prototype chain). Arrays get Java's List methods, and the later library functions that scripts
// written for GraalJS use most are filled in, with a silent console.
constexpr const char* kPrelude = R"JS(function (global) {
  function define(target, name, fn) {
    Object.defineProperty(target, name, {value: fn, writable: true, configurable: true});
  }
  var list = Array.prototype;
  define(list, 'includes', function (x) {
    for (var i = 0; i < this.length; i++) if (this[i] === x || (x !== x && this[i] !== this[i])) return true;
    return false;
  });
  define(list, 'find', function (test, self) {
    for (var i = 0; i < this.length; i++) if (test.call(self, this[i], i, this)) return this[i];
  });
  define(list, 'findIndex', function (test, self) {
    for (var i = 0; i < this.length; i++) if (test.call(self, this[i], i, this)) return i;
    return -1;
  });
  define(Object, 'values', function (o) { return Object.keys(o).map(function (k) { return o[k]; }); });
  define(Object, 'entries', function (o) { return Object.keys(o).map(function (k) { return [k, o[k]]; }); });
  var quiet = function () {};
  define(global, 'console', {log: quiet, info: quiet, warn: quiet, error: quiet});
  define(list, 'get', function (i) { return this[i]; });
  define(list, 'size', function () { return this.length; });
  define(list, 'contains', function (x) { return this.indexOf(x) >= 0; });
  define(list, 'isEmpty', function () { return this.length === 0; });
  var map = Object.create(Object.prototype);
  define(map, 'get', function (k) { return Object.prototype.hasOwnProperty.call(this, k) ? this[k] : null; });
  define(map, 'containsKey', function (k) { return Object.prototype.hasOwnProperty.call(this, k); });
  define(map, 'size', function () { return Object.keys(this).length; });
  define(map, 'isEmpty', function () { return Object.keys(this).length === 0; });
  return map;
})JS";

duk_ret_t dump_prelude(duk_context* ctx, void*) {
  duk_push_string(ctx, kPrelude);
  duk_push_literal(ctx, "prelude");
  duk_compile(ctx, DUK_COMPILE_FUNCTION);
  duk_dump_function(ctx);
  return 1;
}

/// The prelude compiled once per process: loading bytecode costs a fraction of compiling it again
/// for every evaluation.
const std::string& prelude_bytecode() {
  static const std::string bytecode = [] {
    Heap heap(kScriptTimeLimit);
    if (duk_safe_call(heap.get(), dump_prelude, nullptr, 0, 1) != DUK_EXEC_SUCCESS)
      throw std::logic_error(duk_safe_to_string(heap.get(), -1));
    duk_size_t size = 0;
    const auto* data = static_cast<const char*>(duk_get_buffer_data(heap.get(), -1, &size));
    return std::string(data, size);
  }();
  return bytecode;
}

// Pushes `value` as a JavaScript value, objects with the prototype at `map_prototype`. Runs inside
// the protected call: a Duktape error (out of memory) unwinds through these frames, which therefore
// hold nothing with a destructor.
void push_json(duk_context* ctx, const Json& value, duk_idx_t map_prototype) {
  duk_require_stack(ctx, 2);
  switch (value.kind()) {
    case boost::json::kind::null: duk_push_null(ctx); return;
    case boost::json::kind::bool_: duk_push_boolean(ctx, value.get_bool()); return;
    case boost::json::kind::int64: duk_push_number(ctx, static_cast<double>(value.get_int64())); return;
    case boost::json::kind::uint64: duk_push_number(ctx, static_cast<double>(value.get_uint64())); return;
    case boost::json::kind::double_: duk_push_number(ctx, value.get_double()); return;
    case boost::json::kind::string: duk_push_lstring(ctx, value.get_string().data(), value.get_string().size()); return;
    case boost::json::kind::array: {
      const duk_idx_t array = duk_push_array(ctx);
      duk_uarridx_t index = 0;
      for (const Json& element : value.get_array()) {
        push_json(ctx, element, map_prototype);
        duk_put_prop_index(ctx, array, index++);
      }
      return;
    }
    case boost::json::kind::object: {
      const duk_idx_t object = duk_push_object(ctx);
      duk_dup(ctx, map_prototype);
      duk_set_prototype(ctx, object);
      for (const auto& member : value.get_object()) {
        push_json(ctx, member.value(), map_prototype);
        duk_put_prop_lstring(ctx, object, member.key().data(), member.key().size());
      }
      return;
    }
  }
}

struct Job {
  std::string_view script;
  const Json& input;
  const std::string& prelude;
};

// Runs inside duk_safe_call, so every error lands on the value stack instead of unwinding C++ frames.
// Leaves the result as JSON text (or undefined when it has none, e.g. a function).
duk_ret_t run_job(duk_context* ctx, void* udata) {
  const auto& job = *static_cast<const Job*>(udata);
  std::memcpy(duk_push_fixed_buffer(ctx, job.prelude.size()), job.prelude.data(), job.prelude.size());
  duk_load_function(ctx);
  duk_push_global_object(ctx);
  duk_call(ctx, 1);
  push_json(ctx, job.input, duk_get_top_index(ctx));
  duk_put_global_literal(ctx, "$");
  duk_pop(ctx);
  duk_eval_lstring(ctx, job.script.data(), job.script.size());
  if (duk_is_undefined(ctx, -1)) {
    duk_pop(ctx);
    duk_push_null(ctx);
  }
  duk_json_encode(ctx, -1);
  return 1;
}

// [error] → [text, line]; a separate protected step because reading a thrown value may run its code.
duk_ret_t describe_error(duk_context* ctx, void*) {
  duk_int_t line = 0;
  if (duk_is_object(ctx, -1)) {
    duk_get_prop_literal(ctx, -1, "lineNumber");
    if (duk_is_number(ctx, -1)) line = duk_get_int(ctx, -1);
    duk_pop(ctx);
  }
  duk_dup(ctx, -1);
  duk_to_string(ctx, -1);
  duk_push_int(ctx, line);
  return 2;
}

/// The text of the error on top of the stack, as Conductor words script failures.
std::string error_message(duk_context* ctx) {
  if (duk_safe_call(ctx, describe_error, nullptr, 1, 2) != DUK_EXEC_SUCCESS) {
    return fmt::format("Error evaluating the script `{}`", duk_safe_to_string(ctx, -1));
  }
  std::string text = duk_get_string(ctx, -2);
  duk_int_t line = duk_get_int(ctx, -1);
  if (line > 0) return fmt::format("Error evaluating the script `{}` at line {}", text, line);
  return fmt::format("Error evaluating the script `{}`", text);
}

std::string timeout_message(std::chrono::milliseconds time_limit) {
  return fmt::format("Script not evaluated within {} seconds, interrupted.",
                     std::chrono::duration<double>(time_limit).count());
}

Json parse_result(duk_context* ctx) {
  duk_size_t size = 0;
  const char* text = duk_get_lstring(ctx, -1, &size);
  if (!text) return nullptr;
  // Duktape keeps lone surrogates as CESU-8, which strict UTF-8 validation would refuse.
  boost::json::parse_options options;
  options.allow_invalid_utf8 = true;
  return boost::json::parse({text, size}, {}, options);
}

}  // namespace

Json evaluate_javascript(std::string_view script, const Json& input, std::chrono::milliseconds time_limit) {
  Heap heap(time_limit);
  Job job{script, input, prelude_bytecode()};
  duk_int_t rc = duk_safe_call(heap.get(), run_job, &job, 0, 1);
  // Checked first: a script may catch the interruption and still finish with a value.
  if (heap.expired()) throw ScriptTimeout(timeout_message(time_limit));
  if (rc != DUK_EXEC_SUCCESS) throw ScriptError(error_message(heap.get()));
  return parse_result(heap.get());
}

std::optional<std::string> javascript_syntax_error(std::string_view script) {
  Heap heap(kScriptTimeLimit);
  if (duk_pcompile_lstring(heap.get(), DUK_COMPILE_EVAL, script.data(), script.size()) == 0) return std::nullopt;
  return std::string(duk_safe_to_string(heap.get(), -1));
}

bool script_truthy(const Json& value) {
  switch (value.kind()) {
    case boost::json::kind::bool_: return value.get_bool();
    case boost::json::kind::int64: return value.get_int64() > 0;
    case boost::json::kind::uint64: return value.get_uint64() > 0;
    case boost::json::kind::double_: return value.get_double() > 0;
    default: return false;
  }
}

}  // namespace conductor::detail

// Duktape's interrupt hook (see CMakeLists.txt), called every few thousand instructions. Once the
// deadline has passed it keeps answering true, so a script that catches the first interruption is
// interrupted again.
extern "C" int conductor_duktape_timeout_check(void* udata) {
  auto& budget = *static_cast<conductor::detail::Budget*>(udata);
  if (!budget.expired && conductor::detail::SteadyClock::now() >= budget.deadline) budget.expired = true;
  return budget.expired ? 1 : 0;
}
