#include "script/javascript.hpp"

#include <js/Array.h>
#include <js/CallArgs.h>
#include <js/CallAndConstruct.h>
#include <js/CompilationAndEvaluation.h>
#include <js/Context.h>
#include <js/ContextOptions.h>
#include <js/Conversions.h>
#include <js/Exception.h>
#include <js/GCVector.h>
#include <js/GlobalObject.h>
#include <js/Initialization.h>
#include <js/Interrupt.h>
#include <js/JSON.h>
#include <js/Promise.h>
#include <js/PropertyAndElement.h>
#include <js/PropertySpec.h>
#include <js/Realm.h>
#include <js/SourceText.h>
#include <js/Stack.h>
#include <js/String.h>
#include <jsapi.h>
#include <jsfriendapi.h>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace conductor::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

/// Interrupts evaluations that pass their deadline: one thread for the process, started by the
/// first evaluation. It sleeps until the earliest deadline it has seen and is woken only for an
/// earlier one, so an evaluation that ends in time costs two short critical sections, no wake-up.
class Watchdog {
 public:
  static Watchdog& instance() {
    // Never destroyed: its detached thread may be waiting on the mutex and condition variable while
    // the process exits, and those must outlive it.
    static Watchdog* const watchdog = new Watchdog;
    return *watchdog;
  }

  void arm(JSContext* cx, SteadyClock::time_point deadline) {
    std::lock_guard lock(mutex_);
    running_[cx] = deadline;
    if (deadline < wake_at_) {
      wake_at_ = deadline;
      wake_.notify_one();
    }
  }

  /// After this returns the watchdog no longer touches `cx`, which may then be destroyed.
  void disarm(JSContext* cx) {
    std::lock_guard lock(mutex_);
    running_.erase(cx);
  }

  /// Interrupts every evaluation under way, whatever its deadline.
  void interrupt_all() {
    std::lock_guard lock(mutex_);
    for (const auto& [cx, deadline] : running_) JS_RequestInterruptCallback(cx);
  }

 private:
  Watchdog() { std::thread([this] { run(); }).detach(); }

  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      const auto now = SteadyClock::now();
      wake_at_ = SteadyClock::time_point::max();
      for (auto it = running_.begin(); it != running_.end();) {
        if (it->second <= now) {
          // One request suffices: the interrupt callback fails the script, and an evaluation runs
          // no script code once it has timed out.
          JS_RequestInterruptCallback(it->first);
          it = running_.erase(it);
        } else {
          wake_at_ = std::min(wake_at_, it->second);
          ++it;
        }
      }
      if (wake_at_ == SteadyClock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, wake_at_);
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<JSContext*, SteadyClock::time_point> running_;
  SteadyClock::time_point wake_at_ = SteadyClock::time_point::max();
};

// Java's List and Map methods, which scripts written for Conductor's GraalJS call on `$` (semantics.md
// §5.5), and a silent console. They are natives because defining them with a script in every fresh
// global would double the cost of a short evaluation.

JSObject* this_object(JSContext* cx, const JS::CallArgs& args) { return JS::ToObject(cx, args.thisv()); }

bool length_of(JSContext* cx, JS::HandleObject self, JS::MutableHandleValue length) {
  return JS_GetProperty(cx, self, "length", length);
}

/// `list.get(i)`: `this[i]`.
bool list_get(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  JS::RootedObject self(cx, this_object(cx, args));
  JS::RootedId key(cx);
  return self && JS_ValueToId(cx, args.get(0), &key) && JS_GetPropertyById(cx, self, key, args.rval());
}

/// `list.size()`: `this.length`.
bool list_size(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  JS::RootedObject self(cx, this_object(cx, args));
  return self && length_of(cx, self, args.rval());
}

/// `list.contains(x)`: `this.indexOf(x) >= 0`, strict equality as Java's equals on JSON values.
bool list_contains(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  JS::RootedObject self(cx, this_object(cx, args));
  JS::RootedValue index(cx);
  if (!self || !JS_CallFunctionName(cx, self, "indexOf", JS::HandleValueArray(args.get(0)), &index)) return false;
  args.rval().setBoolean(index.isNumber() && index.toNumber() >= 0);
  return true;
}

/// `list.isEmpty()`: `this.length === 0`.
bool list_is_empty(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  JS::RootedObject self(cx, this_object(cx, args));
  JS::RootedValue length(cx);
  if (!self || !length_of(cx, self, &length)) return false;
  args.rval().setBoolean(length.isNumber() && length.toNumber() == 0);
  return true;
}

/// Whether `this` has the own property named by the first argument, which `key` then holds.
bool has_own(JSContext* cx, const JS::CallArgs& args, JS::MutableHandleObject self, JS::MutableHandleId key,
             bool& found) {
  self.set(this_object(cx, args));
  return self && JS_ValueToId(cx, args.get(0), key) && JS_HasOwnPropertyById(cx, self, key, &found);
}

/// `map.get(k)`: the own property `k`, else null.
bool map_get(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  JS::RootedObject self(cx);
  JS::RootedId key(cx);
  bool found = false;
  if (!has_own(cx, args, &self, &key, found)) return false;
  if (!found) {
    args.rval().setNull();
    return true;
  }
  return JS_GetPropertyById(cx, self, key, args.rval());
}

/// `map.containsKey(k)`: whether `k` is an own property.
bool map_contains_key(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  JS::RootedObject self(cx);
  JS::RootedId key(cx);
  bool found = false;
  if (!has_own(cx, args, &self, &key, found)) return false;
  args.rval().setBoolean(found);
  return true;
}

/// The number of own enumerable string keys, as `Object.keys(this).length`.
bool own_key_count(JSContext* cx, const JS::CallArgs& args, std::size_t& count) {
  JS::RootedObject self(cx, this_object(cx, args));
  JS::RootedIdVector keys(cx);
  if (!self || !js::GetPropertyKeys(cx, self, JSITER_OWNONLY, &keys)) return false;
  count = keys.length();
  return true;
}

/// `map.size()`.
bool map_size(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  std::size_t count = 0;
  if (!own_key_count(cx, args, count)) return false;
  args.rval().setNumber(static_cast<double>(count));
  return true;
}

/// `map.isEmpty()`.
bool map_is_empty(JSContext* cx, unsigned argc, JS::Value* vp) {
  JS::CallArgs args = JS::CallArgsFromVp(argc, vp);
  std::size_t count = 0;
  if (!own_key_count(cx, args, count)) return false;
  args.rval().setBoolean(count == 0);
  return true;
}

bool quiet(JSContext*, unsigned argc, JS::Value* vp) {
  JS::CallArgsFromVp(argc, vp).rval().setUndefined();
  return true;
}

constexpr JSFunctionSpec kListMethods[] = {
    JS_FN("get", list_get, 1, 0),         JS_FN("size", list_size, 0, 0),
    JS_FN("contains", list_contains, 1, 0), JS_FN("isEmpty", list_is_empty, 0, 0), JS_FS_END};

constexpr JSFunctionSpec kMapMethods[] = {
    JS_FN("get", map_get, 1, 0),          JS_FN("containsKey", map_contains_key, 1, 0),
    JS_FN("size", map_size, 0, 0),        JS_FN("isEmpty", map_is_empty, 0, 0), JS_FS_END};

constexpr JSFunctionSpec kConsoleMethods[] = {
    JS_FN("log", quiet, 0, 0),   JS_FN("info", quiet, 0, 0), JS_FN("warn", quiet, 0, 0),
    JS_FN("error", quiet, 0, 0), JS_FN("debug", quiet, 0, 0), JS_FS_END};

constexpr JSClass kGlobalClass = {"global", JSCLASS_GLOBAL_FLAGS, &JS::DefaultGlobalClassOps};

/// The engine's process-wide state. JS_Init must come before any context, once per process, and
/// JS_ShutDown after the last use. JS_ShutDown runs at exit because the engine's helper threads wait
/// on a mutex that is a static object of its library; unless JS_ShutDown joins them first, that
/// mutex's destructor finds it busy and crashes the process. Registered after JS_Init, it runs before
/// the library's static destructors and after the exiting thread's own context is gone
/// (thread_local destructors run first). It stops the evaluations still under way on other threads
/// and waits for them to unwind; the contexts of threads that outlive it are left to the process's
/// end, as nothing may call the engine after JS_ShutDown.
class SpiderMonkey {
 public:
  /// A use of the engine on this thread (an evaluation or a syntax check, with starting the thread's
  /// context), which shutting down waits for. Throws ScriptError once the engine has shut down.
  class Use {
   public:
    Use() : engine_(instance()) {
      std::lock_guard lock(engine_.mutex_);
      if (!engine_.running_) {
        throw ScriptError("The JavaScript engine is not running: it could not start, or the process is exiting.");
      }
      ++engine_.uses_;
    }
    ~Use() {
      std::lock_guard lock(engine_.mutex_);
      if (--engine_.uses_ == 0) engine_.idle_.notify_all();
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    SpiderMonkey& engine_;
  };

  /// False once the process exits: a script still running then stops at its next interrupt check.
  static bool running() { return instance().running_; }

  static void destroy_context(JSContext* cx) {
    SpiderMonkey& engine = instance();
    std::lock_guard lock(engine.mutex_);
    if (engine.running_) JS_DestroyContext(cx);
  }

 private:
  static SpiderMonkey& instance() {
    // Never destroyed: threads may still end, and destroy their contexts, while statics are.
    static SpiderMonkey* const engine = [] {
      auto* created = new SpiderMonkey;
      created->running_ = JS_Init();
      if (created->running_) std::atexit(shut_down);
      return created;
    }();
    return *engine;
  }

  static void shut_down() {
    SpiderMonkey& engine = instance();
    std::unique_lock lock(engine.mutex_);
    engine.running_ = false;
    Watchdog::instance().interrupt_all();
    engine.idle_.wait(lock, [&engine] { return engine.uses_ == 0; });
    JS_ShutDown();
  }

  std::mutex mutex_;
  std::condition_variable idle_;
  std::atomic<bool> running_ = false;
  int uses_ = 0;
};

/// The promise jobs an evaluation leaves (`.then` callbacks, async functions), run once its script
/// has finished, as GraalJS does. A failing job is ignored, as an unhandled rejection is; whatever
/// is left when an evaluation ends is dropped, so no job outlives its evaluation.
class JobQueue final : public JS::JobQueue {
 public:
  explicit JobQueue(JSContext* cx) : jobs_(cx) {}

  JSObject* getIncumbentGlobal(JSContext* cx) override { return JS::CurrentGlobalOrNull(cx); }

  bool enqueuePromiseJob(JSContext*, JS::HandleObject, JS::HandleObject job, JS::HandleObject,
                         JS::HandleObject) override {
    return jobs_.append(job);
  }

  void runJobs(JSContext* cx) override { run(cx); }

  bool empty() const override { return jobs_.empty(); }

  /// Runs the jobs, including those they queue; false when one was stopped by the interruption or
  /// by running out of memory, which would stop the others as well.
  bool run(JSContext* cx) {
    JS::RootedObject job(cx);
    JS::RootedValue ignored(cx);
    for (std::size_t i = 0; i < jobs_.length(); ++i) {
      job = jobs_[i];
      JSAutoRealm realm(cx, job);
      if (!JS::Call(cx, JS::UndefinedHandleValue, job, JS::HandleValueArray::empty(), &ignored)) {
        if (!JS_IsExceptionPending(cx)) {
          clear();
          return false;
        }
        JS_ClearPendingException(cx);
      }
    }
    clear();
    return true;
  }

  void clear() { jobs_.clear(); }

 private:
  // Only a debugger saves the queue, and none is attached.
  js::UniquePtr<SavedJobQueue> saveJobQueue(JSContext*) override { return nullptr; }

  JS::PersistentRooted<JS::GCVector<JSObject*, 0, js::SystemAllocPolicy>> jobs_;
};

/// The stack this thread may use for scripts: the engine counts from the thread's stack base and
/// turns deeper recursion into an InternalError instead of overflowing the stack.
std::size_t native_stack_quota() {
  constexpr std::size_t kFallback = std::size_t{1} << 20;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return kFallback;
  void* base = nullptr;
  std::size_t size = 0;
  const bool known = pthread_attr_getstack(&attr, &base, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!known || size < 2 * kFallback) return kFallback;
  // Headroom for the native frames of the host and of the engine's own error handling; the cap
  // keeps an unlimited main-thread stack (ulimit -s unlimited) from reporting the address space.
  return std::min(size - std::min(size / 4, kFallback), std::size_t{64} << 20);
}

std::string timeout_message(std::chrono::milliseconds time_limit) {
  return fmt::format("Script not evaluated within {} seconds, interrupted.",
                     std::chrono::duration<double>(time_limit).count());
}

std::string out_of_memory_message() {
  return fmt::format("Script ran out of memory (limit {} MiB), stopped.", kScriptMemoryLimit >> 20);
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool is_high_surrogate(char32_t c) { return c >= 0xD800 && c <= 0xDBFF; }
bool is_low_surrogate(char32_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

/// JSON.stringify's UTF-16 text as UTF-8. It writes a lone surrogate as an escape (`\udc00`),
/// which Boost.JSON refuses; such an escape becomes U+FFFD, what a strict decoder makes of it.
std::string json_text_to_utf8(std::u16string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char32_t c = text[i];
    if (c == u'\\' && i + 1 < text.size()) {
      if (text[i + 1] == u'u' && i + 5 < text.size() && (text[i + 2] == u'd' || text[i + 2] == u'D') &&
          std::u16string_view(u"89abcdefABCDEF").find(text[i + 3]) != std::u16string_view::npos) {
        out += "\\ufffd";
        i += 5;
        continue;
      }
      // The escaped character is copied as is, so that `\\` never starts another escape.
      out += '\\';
      c = text[++i];
    } else if (is_high_surrogate(c) && i + 1 < text.size() && is_low_surrogate(text[i + 1])) {
      c = 0x10000 + ((c - 0xD800) << 10) + (text[++i] - 0xDC00);
    }
    append_utf8(out, c);
  }
  return out;
}

bool collect_json(const char16_t* buffer, std::uint32_t length, void* data) {
  static_cast<std::u16string*>(data)->append(buffer, length);
  return true;
}

/// One engine context for the calling thread: SpiderMonkey contexts are single-threaded, and
/// starting one (compiling the engine's self-hosted code) costs milliseconds, which a short script
/// must not pay. Every evaluation gets a fresh global, so scripts never see each other's
/// variables or changed built-ins; the globals share one compartment so that they cost a few
/// objects, not a zone each, and garbage from finished evaluations is collected as the zone grows.
class Runtime {
 public:
  static Runtime& for_this_thread() {
    thread_local Runtime runtime;
    return runtime;
  }

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  ~Runtime() {
    anchor_.reset();
    jobs_.reset();
    SpiderMonkey::destroy_context(cx_);
  }

  Json evaluate(std::string_view script, const Json& input, std::chrono::milliseconds time_limit) {
    Budget budget(*this, time_limit);
    JS::RootedObject global(cx_, new_global());
    if (!global) fail(time_limit);
    JSAutoRealm realm(cx_, global);
    JS::RootedValue result(cx_);
    if (!run(script, input, &result) || !jobs_->run(cx_)) fail(time_limit);
    std::u16string text;
    if (!JS_Stringify(cx_, &result, nullptr, JS::NullHandleValue, collect_json, &text)) fail(time_limit);
    if (text.empty()) return nullptr;
    return boost::json::parse(json_text_to_utf8(text));
  }

  /// Compiles in the thread's first global, which no script ever runs in: compiling runs nothing.
  std::optional<std::string> syntax_error(std::string_view script) {
    JSAutoRealm realm(cx_, *anchor_);
    JS::CompileOptions options(cx_);
    options.setFileAndLine("script", 1);
    JS::SourceText<mozilla::Utf8Unit> source;
    if (source.init(cx_, script.data(), script.size(), JS::SourceOwnership::Borrowed) &&
        JS::Compile(cx_, options, source)) {
      return std::nullopt;
    }
    return describe_pending_exception().text;
  }

 private:
  /// The deadline of the evaluation under way, armed with the watchdog for its lifetime and read by
  /// the interrupt callback. Leaving it drops the promise jobs a failed evaluation left behind.
  class Budget {
   public:
    Budget(Runtime& runtime, std::chrono::milliseconds time_limit) : runtime_(runtime) {
      runtime_.deadline_ = SteadyClock::now() + time_limit;
      runtime_.timed_out_ = false;
      runtime_.out_of_memory_ = false;
      Watchdog::instance().arm(runtime_.cx_, runtime_.deadline_);
      // An exit that began before the watchdog knew this context could not interrupt it.
      if (!SpiderMonkey::running()) JS_RequestInterruptCallback(runtime_.cx_);
    }
    ~Budget() {
      runtime_.jobs_->clear();
      JS_ClearPendingException(runtime_.cx_);
      Watchdog::instance().disarm(runtime_.cx_);
      runtime_.deadline_ = SteadyClock::time_point::max();
      if (runtime_.out_of_memory_) {
        // The failed script's garbage goes now rather than in the next script's allocations.
        runtime_.out_of_memory_ = false;
        JS_GC(runtime_.cx_);
      } else {
        JS_MaybeGC(runtime_.cx_);
      }
    }
    Budget(const Budget&) = delete;
    Budget& operator=(const Budget&) = delete;

   private:
    Runtime& runtime_;
  };

  struct ErrorText {
    std::string text;
    unsigned line = 0;
  };

  static JSContext* new_context() {
    JSContext* cx = JS_NewContext(kScriptMemoryLimit);
    if (!cx) throw ScriptError("The JavaScript engine could not start a context.");
    return cx;
  }

  Runtime() : cx_(new_context()) {
    try {
      JS_SetContextPrivate(cx_, this);
      JS_SetNativeStackQuota(cx_, native_stack_quota());
      if (!JS::InitSelfHostedCode(cx_) || !JS_AddInterruptCallback(cx_, on_interrupt)) {
        throw ScriptError("The JavaScript engine could not start a context.");
      }
      JS_SetGCCallback(cx_, after_gc, this);
      // Conductor's scripts have no WebAssembly, whose memories would reserve gigabytes outside
      // the script heap.
      JS::ContextOptionsRef(cx_).setWasm(false).setAsmJS(false);
      // Every evaluation leaves a global behind. The defaults, sized for a browser tab (a 16 MiB
      // nursery, a first collection at 27 MiB), let that garbage hold some 80 MiB per thread; these
      // hold about 25 MiB, and the evaluations run a little faster for the smaller working set.
      JS_SetGCParameter(cx_, JSGC_MAX_NURSERY_BYTES, std::uint32_t{2} << 20);
      JS_SetGCParameter(cx_, JSGC_ALLOCATION_THRESHOLD, 4);
      jobs_.emplace(cx_);
      JS::SetJobQueue(cx_, &*jobs_);
      JS::RealmOptions options;
      anchor_.emplace(cx_, JS_NewGlobalObject(cx_, &kGlobalClass, nullptr, JS::FireOnNewGlobalHook, options));
      if (!*anchor_) throw ScriptError("The JavaScript engine could not start a context.");
    } catch (...) {
      anchor_.reset();
      jobs_.reset();
      SpiderMonkey::destroy_context(cx_);
      throw;
    }
  }

  static bool on_interrupt(JSContext* cx) {
    auto& runtime = *static_cast<Runtime*>(JS_GetContextPrivate(cx));
    if (runtime.out_of_memory_ || !SpiderMonkey::running()) return false;
    if (SteadyClock::now() < runtime.deadline_) return true;
    runtime.timed_out_ = true;
    return false;
  }

  /// Near its heap limit the engine collects again and again, each time finding the script's data
  /// still alive, and fails an allocation only much later: a script that keeps most of the heap
  /// alive after a full collection is stopped at once instead.
  static void after_gc(JSContext* cx, JSGCStatus status, JS::GCReason, void* data) {
    auto& runtime = *static_cast<Runtime*>(data);
    if (status != JSGC_END || runtime.deadline_ == SteadyClock::time_point::max()) return;
    if (JS_GetGCParameter(cx, JSGC_BYTES) > kScriptMemoryLimit / 4 * 3) {
      runtime.out_of_memory_ = true;
      JS_RequestInterruptCallback(cx);
    }
  }

  JSObject* new_global() {
    JS::RealmOptions options;
    options.creationOptions().setExistingCompartment(*anchor_);
    return JS_NewGlobalObject(cx_, &kGlobalClass, nullptr, JS::FireOnNewGlobalHook, options);
  }

  /// Gives the current (fresh) global Java's methods and a console, binds `$` and runs the script.
  /// `$`'s objects get Java's Map methods from a prototype of their own: on Object.prototype they
  /// would turn every `{value: ...}` into an invalid property descriptor, since descriptors are read
  /// through the prototype chain. Arrays all get the List methods, as they did before.
  bool run(std::string_view script, const Json& input, JS::MutableHandleValue result) {
    JS::RootedObject global(cx_, JS::CurrentGlobalOrNull(cx_));
    JS::RootedObject list(cx_, JS::GetRealmArrayPrototype(cx_));
    JS::RootedObject map(cx_, JS_NewPlainObject(cx_));
    JS::RootedObject console(cx_, JS_NewPlainObject(cx_));
    JS::RootedValue dollar(cx_);
    if (!list || !map || !console || !JS_DefineFunctions(cx_, list, kListMethods) ||
        !JS_DefineFunctions(cx_, map, kMapMethods) || !JS_DefineFunctions(cx_, console, kConsoleMethods) ||
        !JS_DefineProperty(cx_, global, "console", console, 0) || !to_js(input, map, &dollar) ||
        !JS_DefineProperty(cx_, global, "$", dollar, JSPROP_ENUMERATE)) {
      return false;
    }
    JS::CompileOptions options(cx_);
    options.setFileAndLine("script", 1);
    JS::SourceText<mozilla::Utf8Unit> source;
    return source.init(cx_, script.data(), script.size(), JS::SourceOwnership::Borrowed) &&
           JS::Evaluate(cx_, options, source, result);
  }

  bool to_js(const Json& value, JS::HandleObject map_prototype, JS::MutableHandleValue out) {
    switch (value.kind()) {
      case boost::json::kind::null: out.setNull(); return true;
      case boost::json::kind::bool_: out.setBoolean(value.get_bool()); return true;
      case boost::json::kind::int64: out.set(JS::NumberValue(static_cast<double>(value.get_int64()))); return true;
      case boost::json::kind::uint64: out.set(JS::NumberValue(static_cast<double>(value.get_uint64()))); return true;
      case boost::json::kind::double_: out.set(JS::NumberValue(value.get_double())); return true;
      case boost::json::kind::string: {
        const auto& string = value.get_string();
        JSString* text = JS_NewStringCopyUTF8N(cx_, JS::UTF8Chars(string.data(), string.size()));
        if (!text) return false;
        out.setString(text);
        return true;
      }
      case boost::json::kind::array: {
        const auto& elements = value.get_array();
        JS::RootedObject array(cx_, JS::NewArrayObject(cx_, elements.size()));
        if (!array) return false;
        JS::RootedValue element(cx_);
        for (std::size_t i = 0; i < elements.size(); ++i) {
          if (!to_js(elements[i], map_prototype, &element) ||
              !JS_DefineElement(cx_, array, static_cast<std::uint32_t>(i), element, JSPROP_ENUMERATE)) {
            return false;
          }
        }
        out.setObject(*array);
        return true;
      }
      case boost::json::kind::object: {
        JS::RootedObject object(cx_, JS_NewObjectWithGivenProto(cx_, nullptr, map_prototype));
        if (!object) return false;
        JS::RootedValue member(cx_);
        JS::RootedString key(cx_);
        JS::RootedId id(cx_);
        for (const auto& [name, element] : value.get_object()) {
          key = JS_NewStringCopyUTF8N(cx_, JS::UTF8Chars(name.data(), name.size()));
          if (!key || !JS_StringToId(cx_, key, &id) || !to_js(element, map_prototype, &member) ||
              !JS_DefinePropertyById(cx_, object, id, member, JSPROP_ENUMERATE)) {
            return false;
          }
        }
        out.setObject(*object);
        return true;
      }
    }
    return false;
  }

  /// Throws what made the evaluation fail.
  [[noreturn]] void fail(std::chrono::milliseconds time_limit) {
    if (!SpiderMonkey::running()) throw ScriptError("Script stopped: the process is exiting.");
    if (timed_out_) throw ScriptTimeout(timeout_message(time_limit));
    if (out_of_memory_ || JS_IsThrowingOutOfMemory(cx_) || !JS_IsExceptionPending(cx_)) {
      // An exception is pending for every failure but the engine's two uncatchable ones: the
      // interruption, handled above, and running out of memory.
      JS_ClearPendingException(cx_);
      out_of_memory_ = true;
      throw ScriptError(out_of_memory_message());
    }
    ErrorText error = describe_pending_exception();
    if (timed_out_) throw ScriptTimeout(timeout_message(time_limit));
    if (error.line > 0) {
      throw ScriptError(fmt::format("Error evaluating the script `{}` at line {}", error.text, error.line));
    }
    throw ScriptError(fmt::format("Error evaluating the script `{}`", error.text));
  }

  /// The pending exception's text (`TypeError: x is undefined`) and, for an Error, the line it was
  /// created on. Its toString may run script code, and fail in turn.
  ErrorText describe_pending_exception() {
    JS::RootedValue exception(cx_);
    ErrorText error;
    if (!JS_GetPendingException(cx_, &exception)) {
      JS_ClearPendingException(cx_);
      return {"uncaught exception"};
    }
    JS_ClearPendingException(cx_);
    if (exception.isObject()) {
      JS::RootedObject object(cx_, &exception.toObject());
      if (JSErrorReport* report = JS_ErrorFromException(cx_, object)) error.line = report->lineno;
    }
    JS::RootedString text(cx_, JS::ToString(cx_, exception));
    JS::UniqueChars utf8 = text ? JS_EncodeStringToUTF8(cx_, text) : nullptr;
    if (!utf8) {
      JS_ClearPendingException(cx_);
      error.text = "an exception whose text could not be computed";
      return error;
    }
    error.text = utf8.get();
    return error;
  }

  JSContext* cx_;
  std::optional<JobQueue> jobs_;
  std::optional<JS::PersistentRootedObject> anchor_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  bool timed_out_ = false;
  bool out_of_memory_ = false;
};

}  // namespace

Json evaluate_javascript(std::string_view script, const Json& input, std::chrono::milliseconds time_limit) {
  SpiderMonkey::Use use;
  return Runtime::for_this_thread().evaluate(script, input, time_limit);
}

std::optional<std::string> javascript_syntax_error(std::string_view script) {
  SpiderMonkey::Use use;
  return Runtime::for_this_thread().syntax_error(script);
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
