#pragma once

// The field-visitor framework behind every codec. Each model lists its fields once, in a template
//
//   template <ModelOf<TaskDef> S, class V> void fields(S& s, V& v) { v("name", s.name); ... }
//
// instantiated with an Encoder (S const; builds a JSON value), a TextEncoder (S const; writes the same
// value's text directly) and a Decoder (S mutable). The visitor verbs:
//   v(key, field)                        read and written in both modes
//   v.storage_only(key, field)           engine bookkeeping: only in JsonMode::kStorage
//   v.derived(key, compute)              computed for clients: written in kWire only, ignored on input
//   v.wire_fallback(key, field, compute) a stored field whose wire value falls back to a computed one
//   v.non_empty(key, field)              kWire omits the field when it is empty
// Optional fields are omitted when null; everything else is always written (Conductor's wire rules).
// A field whose JSON form differs from its C++ type's (ISO times, ...) is passed as a FieldProxy.
//
// A decoded document may live in a scratch arena (decode_model_text): values leave it by assignment
// to a Json of the model's own, never by copy construction, which would share the arena.

#include <conductor/codec.hpp>
#include <conductor/error.hpp>

#include <boost/json/monotonic_resource.hpp>

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace conductor::detail {

/// Matches S when it is T or const T, so one `fields` template serves encoding and decoding.
template <class S, class T>
concept ModelOf = std::same_as<std::remove_const_t<S>, T>;

/// Models with a public codec: nested values of these types go through to_json/from_json.
template <class T>
concept PublicModel = requires(const T& value, const Json& json, T& out, JsonMode mode) {
  { to_json(value, mode) } -> std::same_as<Json>;
  from_json(json, out, mode);
};

inline std::optional<TaskStatus> parse_enum(std::string_view s, TaskStatus) { return parse_task_status(s); }
inline std::optional<WorkflowStatus> parse_enum(std::string_view s, WorkflowStatus) {
  return parse_workflow_status(s);
}
inline std::optional<TaskResultStatus> parse_enum(std::string_view s, TaskResultStatus) {
  return parse_task_result_status(s);
}
inline std::optional<RetryLogic> parse_enum(std::string_view s, RetryLogic) { return parse_retry_logic(s); }
inline std::optional<TaskTimeoutPolicy> parse_enum(std::string_view s, TaskTimeoutPolicy) {
  return parse_task_timeout_policy(s);
}
inline std::optional<WorkflowTimeoutPolicy> parse_enum(std::string_view s, WorkflowTimeoutPolicy) {
  return parse_workflow_timeout_policy(s);
}
inline std::optional<RateLimitPolicy> parse_enum(std::string_view s, RateLimitPolicy) {
  return parse_rate_limit_policy(s);
}
inline std::optional<IdempotencyStrategy> parse_enum(std::string_view s, IdempotencyStrategy) {
  return parse_idempotency_strategy(s);
}
inline std::optional<JoinMode> parse_enum(std::string_view s, JoinMode) { return parse_join_mode(s); }
inline std::optional<SchemaType> parse_enum(std::string_view s, SchemaType) { return parse_schema_type(s); }
inline std::optional<EventActionType> parse_enum(std::string_view s, EventActionType) {
  return parse_event_action_type(s);
}
inline std::optional<WorkflowSignalReturnStrategy> parse_enum(std::string_view s, WorkflowSignalReturnStrategy) {
  return parse_workflow_signal_return_strategy(s);
}

/// Epoch milliseconds rendered as `yyyy-MM-ddTHH:mm:ss.SSSZ` (the search summaries' time format).
std::string format_iso_time(std::int64_t epoch_ms);
/// Parses `yyyy-MM-ddTHH:mm:ss[.SSS]Z`; nullopt when the text is not such a time.
std::optional<std::int64_t> parse_iso_time(std::string_view text);

/// Reads an integer within [min, max]; an integral double is accepted. Throws DecodeError.
std::int64_t decode_integer(const Json& json, std::int64_t min, std::int64_t max);

/// A field whose JSON form is not the generic one of its C++ type. A proxy holds a reference to the
/// real field and provides `omitted()`, `encode(const Encoder&)` and `decode(const Json&, const Decoder&)`.
template <class T>
concept FieldProxy = T::kFieldProxy;

/// A time field that travels as an ISO-8601 string; `omit_zero` drops an unset time from the output.
/// Integers (epoch ms) are accepted on input too.
template <class T>
struct IsoTime {
  static constexpr bool kFieldProxy = true;
  T& ms;
  bool omit_zero = false;

  bool omitted() const { return omit_zero && ms == 0; }
  template <class E>
  Json encode(const E&) const {
    return Json(format_iso_time(ms));
  }
  template <class D>
  void decode(const Json& json, const D&) {
    ms = decode_iso_time(json);
  }

 private:
  static std::int64_t decode_iso_time(const Json& json);
};
template <class T>
IsoTime<T> iso_time(T& ms, bool omit_zero = false) {
  return {ms, omit_zero};
}

template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;
/// Shared<T> travels like std::optional<T>.
template <class T>
inline constexpr bool kIsShared = false;
template <class T>
inline constexpr bool kIsShared<Shared<T>> = true;
template <class T>
inline constexpr bool kIsVector = false;
template <class T>
inline constexpr bool kIsVector<std::vector<T>> = true;
/// A vector of (name, value) pairs is an insertion-ordered JSON object (DecisionCases).
template <class T>
inline constexpr bool kIsOrderedMap = false;
template <class T>
inline constexpr bool kIsOrderedMap<std::vector<std::pair<std::string, T>>> = true;
template <class T>
inline constexpr bool kIsMap = false;
template <class T>
inline constexpr bool kIsMap<std::map<std::string, T>> = true;

/// A decoding failure on its way up: each level prepends its key or index, and the public entry
/// point turns the result into a ValidationError.
class DecodeError {
 public:
  DecodeError(std::string message, const Json& value);
  DecodeError(FieldViolation violation) : violation_(std::move(violation)) {}
  void prepend_key(std::string_view key);
  void prepend_index(std::size_t index);
  void prepend_map_key(std::string_view key);
  FieldViolation&& violation() && { return std::move(violation_); }

 private:
  void prepend(std::string segment);
  FieldViolation violation_;
};

/// Encodes a model that has a `fields` template.
template <class T>
Json encode_model(const T& value, JsonMode mode);

/// The visitor verbs of both encoders: which fields a mode writes. `Derived` writes one field with
/// `write(key, field)`.
template <class Derived>
class EncoderVerbs {
 public:
  explicit EncoderVerbs(JsonMode mode) : mode_(mode) {}

  template <class T>
  void operator()(std::string_view key, const T& field) {
    self().write(key, field);
  }
  template <class T>
  void storage_only(std::string_view key, const T& field) {
    if (mode_ == JsonMode::kStorage) self().write(key, field);
  }
  template <class F>
  void derived(std::string_view key, F&& compute) {
    if (mode_ == JsonMode::kWire) self().write(key, compute());
  }
  template <class T, class F>
  void wire_fallback(std::string_view key, const T& field, F&& compute) {
    if (mode_ == JsonMode::kWire) {
      self().write(key, compute());
    } else {
      self().write(key, field);
    }
  }
  template <class T>
  void non_empty(std::string_view key, const T& field) {
    if (mode_ == JsonMode::kStorage || !is_empty(field)) self().write(key, field);
  }

 protected:
  JsonMode mode_;

 private:
  Derived& self() { return static_cast<Derived&>(*this); }

  template <class T>
  static bool is_empty(const T& field) {
    if constexpr (kIsOptional<T>) {
      return !field || field->empty();
    } else {
      return field.empty();
    }
  }
};

class Encoder : public EncoderVerbs<Encoder> {
 public:
  Encoder(JsonMode mode, std::size_t capacity) : EncoderVerbs(mode), object_(capacity) {}

  JsonObject finish() && { return std::move(object_); }

  /// Encodes one value by the generic rules.
  template <class T>
  Json encode(const T& value) const;

 private:
  friend class EncoderVerbs<Encoder>;

  template <class T>
  void write(std::string_view key, const T& field) {
    if constexpr (kIsOptional<T> || kIsShared<T>) {
      if (field) object_.emplace(key, encode(*field));
    } else if constexpr (FieldProxy<T>) {
      if (!field.omitted()) object_.emplace(key, field.encode(*this));
    } else {
      object_.emplace(key, encode(field));
    }
  }

  JsonObject object_;
};

template <class T>
Json Encoder::encode(const T& value) const {
  if constexpr (std::is_same_v<T, std::string>) {
    return Json(boost::json::string_view(value.data(), value.size()));
  } else if constexpr (std::is_same_v<T, bool>) {
    return Json(value);
  } else if constexpr (std::is_integral_v<T>) {
    return Json(static_cast<std::int64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    return Json(static_cast<double>(value));
  } else if constexpr (std::is_enum_v<T>) {
    const std::string_view name = to_string(value);
    return Json(boost::json::string_view(name.data(), name.size()));
  } else if constexpr (std::is_same_v<T, JsonObject> || std::is_same_v<T, Json>) {
    return Json(value);
  } else if constexpr (kIsOptional<T> || kIsShared<T>) {
    return value ? encode(*value) : Json(nullptr);
  } else if constexpr (kIsOrderedMap<T>) {
    JsonObject object(value.size());
    for (const auto& [name, item] : value) object.emplace(name, encode(item));
    return Json(std::move(object));
  } else if constexpr (kIsVector<T>) {
    JsonArray array;
    array.reserve(value.size());
    for (const auto& item : value) array.push_back(encode(item));
    return Json(std::move(array));
  } else if constexpr (kIsMap<T>) {
    JsonObject object(value.size());
    for (const auto& [name, item] : value) object.emplace(name, encode(item));
    return Json(std::move(object));
  } else if constexpr (PublicModel<T>) {
    return to_json(value, mode_);
  } else {
    return encode_model(value, mode_);
  }
}

/// Appends JSON text exactly as boost::json::serialize writes it.
void append_serialized(std::string& out, const Json& json);
void append_serialized(std::string& out, const JsonObject& object);
/// Appends a JSON string literal.
void append_string(std::string& out, std::string_view text);

/// Writes a model's JSON text straight into a string by the same rules as Encoder, and the same text
/// Encoder's DOM would serialize to, without building the DOM: rows are encoded on every change.
class TextEncoder : public EncoderVerbs<TextEncoder> {
 public:
  TextEncoder(std::string& out, JsonMode mode) : EncoderVerbs(mode), out_(out) {}

  /// Appends one value by the generic rules.
  template <class T>
  void value(const T& value);

  /// A point in the text, to read or take back the properties written after it.
  struct Mark {
    std::size_t size;
    bool first;
  };
  Mark mark() const { return {out_.size(), first_}; }
  /// The properties written since `mark`, without the comma that joins them to earlier ones.
  std::string_view since(Mark mark) const {
    std::string_view written(out_);
    written.remove_prefix(mark.size);
    if (!mark.first && !written.empty()) written.remove_prefix(1);
    return written;
  }
  void rewind(Mark mark) {
    out_.resize(mark.size);
    first_ = mark.first;
  }

 private:
  friend class EncoderVerbs<TextEncoder>;

  // Keys are the models' own property names: plain ASCII, nothing to escape.
  void key(std::string_view key) {
    out_ += first_ ? "\"" : ",\"";
    first_ = false;
    out_ += key;
    out_ += "\":";
  }

  template <class T>
  void write(std::string_view name, const T& field) {
    if constexpr (kIsOptional<T> || kIsShared<T>) {
      if (field) {
        key(name);
        value(*field);
      }
    } else if constexpr (FieldProxy<T>) {
      if (!field.omitted()) {
        key(name);
        append_serialized(out_, field.encode(*this));
      }
    } else {
      key(name);
      value(field);
    }
  }

  template <class Map>
  void object_of(const Map& map) {
    out_ += '{';
    bool first = true;
    for (const auto& [name, item] : map) {
      if (!first) out_ += ',';
      first = false;
      append_string(out_, name);
      out_ += ':';
      value(item);
    }
    out_ += '}';
  }

  std::string& out_;
  bool first_ = true;
};

/// Appends the JSON text of a model that has a `fields` template.
template <class T>
void append_model(std::string& out, const T& value, JsonMode mode) {
  out += '{';
  TextEncoder encoder(out, mode);
  fields(value, encoder);
  out += '}';
}

template <class T>
void TextEncoder::value(const T& value) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
    append_string(out_, value);
  } else if constexpr (std::is_same_v<T, bool>) {
    out_ += value ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
    out_.append(buffer, end);
  } else if constexpr (std::is_floating_point_v<T>) {
    append_serialized(out_, Json(static_cast<double>(value)));
  } else if constexpr (std::is_enum_v<T>) {
    append_string(out_, to_string(value));
  } else if constexpr (std::is_same_v<T, JsonObject> || std::is_same_v<T, Json>) {
    append_serialized(out_, value);
  } else if constexpr (kIsOptional<T> || kIsShared<T>) {
    if (value) {
      this->value(*value);
    } else {
      out_ += "null";
    }
  } else if constexpr (kIsOrderedMap<T> || kIsMap<T>) {
    object_of(value);
  } else if constexpr (kIsVector<T>) {
    out_ += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out_ += ',';
      this->value(value[i]);
    }
    out_ += ']';
  } else if constexpr (PublicModel<T>) {
    append_json(out_, value, mode_);
  } else {
    append_model(out_, value, mode_);
  }
}

class Decoder {
 public:
  Decoder(const JsonObject& object, JsonMode mode) : object_(object), mode_(mode) {}

  JsonMode mode() const { return mode_; }

  template <class T>
  void operator()(std::string_view key, T&& field) {
    if (const Json* json = find(key)) read(key, *json, field);
  }
  template <class T>
  void storage_only(std::string_view key, T&& field) {
    if (mode_ == JsonMode::kStorage) (*this)(key, field);
  }
  template <class F>
  void derived(std::string_view, F&&) {}
  template <class T, class F>
  void wire_fallback(std::string_view key, T& field, F&&) {
    (*this)(key, field);
  }
  template <class T>
  void non_empty(std::string_view key, T& field) {
    (*this)(key, field);
  }

  /// Decodes `json` into `out` following the rules in codec.hpp; throws DecodeError. A `null` for a
  /// string, enum or nested model leaves the default: Jackson would keep a null the model cannot hold.
  template <class T>
  void decode(const Json& json, T& out) const {
    if constexpr (std::is_same_v<T, std::string>) {
      if (json.is_string()) {
        const auto& s = json.get_string();
        out.assign(s.data(), s.size());
      } else if (!json.is_null()) {
        throw DecodeError("expected string", json);
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (json.is_bool()) {
        out = json.get_bool();
      } else if (json.is_null()) {
        out = false;
      } else {
        throw DecodeError("expected boolean", json);
      }
    } else if constexpr (std::is_integral_v<T>) {
      out = json.is_null() ? T{0} : static_cast<T>(decode_integer(json, std::numeric_limits<T>::min(),
                                                                 std::numeric_limits<T>::max()));
    } else if constexpr (std::is_floating_point_v<T>) {
      if (json.is_number()) {
        out = json.to_number<double>();
      } else if (json.is_null()) {
        out = 0;
      } else {
        throw DecodeError("expected number", json);
      }
    } else if constexpr (std::is_enum_v<T>) {
      if (json.is_null()) return;
      if (!json.is_string()) throw DecodeError("expected string", json);
      const auto& s = json.get_string();
      const auto parsed = parse_enum(std::string_view(s.data(), s.size()), T{});
      if (!parsed) throw DecodeError("unknown value", json);
      out = *parsed;
    } else if constexpr (std::is_same_v<T, Json>) {
      out = json;
    } else if constexpr (std::is_same_v<T, JsonObject>) {
      if (json.is_object()) {
        out = json.get_object();
      } else if (json.is_null()) {
        out.clear();
      } else {
        throw DecodeError("expected object", json);
      }
    } else if constexpr (kIsOptional<T>) {
      if (json.is_null()) {
        out.reset();
      } else {
        decode(json, out.emplace());
      }
    } else if constexpr (kIsShared<T>) {
      if (json.is_null()) {
        out.reset();
      } else {
        typename T::element_type value;
        decode(json, value);
        out = std::move(value);
      }
    } else if constexpr (FieldProxy<T>) {
      out.decode(json, *this);
    } else if constexpr (kIsOrderedMap<T>) {
      out.clear();
      if (json.is_null()) return;
      const auto& object = expect_object(json);
      out.reserve(object.size());
      for (const auto& entry : object) {
        auto& [name, item] = out.emplace_back(std::string(entry.key()), typename T::value_type::second_type{});
        decode_entry(entry.value(), item, name);
      }
    } else if constexpr (kIsVector<T>) {
      out.clear();
      if (json.is_null()) return;
      if (!json.is_array()) throw DecodeError("expected array", json);
      const auto& array = json.get_array();
      out.reserve(array.size());
      for (std::size_t i = 0; i < array.size(); ++i) {
        try {
          decode(array[i], out.emplace_back());
        } catch (DecodeError& e) {
          e.prepend_index(i);
          throw;
        }
      }
    } else if constexpr (kIsMap<T>) {
      out.clear();
      if (json.is_null()) return;
      for (const auto& entry : expect_object(json)) {
        decode_entry(entry.value(), out[std::string(entry.key())], entry.key());
      }
    } else if constexpr (PublicModel<T>) {
      if (json.is_null()) return;
      try {
        from_json(json, out, mode_);
      } catch (ValidationError& e) {
        throw DecodeError(e.violations().empty() ? FieldViolation{"", e.what(), ""} : e.violations().front());
      }
    } else {
      if (json.is_null()) return;
      Decoder nested(expect_object(json), mode_);
      fields(out, nested);
    }
  }

 private:
  template <class T>
  void read(std::string_view key, const Json& json, T& field) const {
    try {
      decode(json, field);
    } catch (DecodeError& e) {
      e.prepend_key(key);
      throw;
    }
  }

  template <class T>
  void decode_entry(const Json& json, T& out, std::string_view key) const {
    try {
      decode(json, out);
    } catch (DecodeError& e) {
      e.prepend_map_key(key);
      throw;
    }
  }

  // Our own encodings list properties in field order, so the entry after the last one found is
  // usually the next field: one key comparison instead of a hash lookup.
  const Json* find(std::string_view key) {
    const auto begin = object_.begin();
    if (next_ < object_.size() && begin[next_].key() == key) return &begin[next_++].value();
    const auto it = object_.find(key);
    if (it == object_.end()) return nullptr;
    next_ = static_cast<std::size_t>(it - begin) + 1;
    return &it->value();
  }

  static const JsonObject& expect_object(const Json& json);

  const JsonObject& object_;
  JsonMode mode_;
  std::size_t next_ = 0;
};

template <class T>
std::int64_t IsoTime<T>::decode_iso_time(const Json& json) {
  if (json.is_null()) return 0;
  if (json.is_number()) {
    return decode_integer(json, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  }
  if (json.is_string()) {
    const auto& s = json.get_string();
    if (const auto parsed = parse_iso_time(std::string_view(s.data(), s.size()))) return *parsed;
  }
  throw DecodeError("expected ISO-8601 time", json);
}

/// parse_json_text with the document's memory from `storage`.
Json parse_json_text(std::string_view text, boost::json::storage_ptr storage);

/// Decodes a whole model, converting a DecodeError into the public ValidationError.
template <class T>
void decode_model(const Json& json, T& out, JsonMode mode) {
  T value;
  try {
    if (!json.is_object()) throw DecodeError("expected object", json);
    Decoder decoder(json.get_object(), mode);
    fields(value, decoder);
  } catch (DecodeError& e) {
    throw ValidationError({std::move(e).violation()});
  }
  out = std::move(value);
}

/// Decodes a whole model from JSON text. The document is dropped as soon as it is decoded, so it is
/// built in an arena (on the stack, more from the heap for a large text) released at once: no
/// allocation or destructor per node.
template <class T>
void decode_model_text(std::string_view text, T& out, JsonMode mode) {
  unsigned char scratch[8192];
  boost::json::monotonic_resource arena(scratch, sizeof scratch);
  decode_model(parse_json_text(text, &arena), out, mode);
}

/// Counts the fields a model lists, an upper bound on the properties one encoding writes.
class FieldCounter {
 public:
  template <class... A>
  void operator()(A&&...) { ++count_; }
  template <class... A>
  void storage_only(A&&...) { ++count_; }
  template <class... A>
  void derived(A&&...) { ++count_; }
  template <class... A>
  void wire_fallback(A&&...) { ++count_; }
  template <class... A>
  void non_empty(A&&...) { ++count_; }
  std::size_t count() const { return count_; }

 private:
  std::size_t count_ = 0;
};

template <class T>
Json encode_model(const T& value, JsonMode mode) {
  // Sizing the object up front saves rehashing as the properties go in.
  static const std::size_t capacity = [&value] {
    FieldCounter counter;
    fields(value, counter);
    return counter.count();
  }();
  Encoder encoder(mode, capacity);
  fields(value, encoder);
  return Json(std::move(encoder).finish());
}

/// The audit stamps every definition and execution carries.
template <class S, class V>
  requires std::derived_from<std::remove_const_t<S>, Auditable>
void audit_fields(S& s, V& v) {
  v("ownerApp", s.owner_app);
  v("createdBy", s.created_by);
  v("updatedBy", s.updated_by);
  v("createTime", s.create_time);
  v("updateTime", s.update_time);
}

}  // namespace conductor::detail

/// Defines the public codec functions of a model from its `fields` template.
#define CONDUCTOR_DEFINE_CODEC(T)                                                                    \
  Json to_json(const T& value, JsonMode mode) { return detail::encode_model(value, mode); }          \
  void append_json(std::string& out, const T& value, JsonMode mode) {                                \
    detail::append_model(out, value, mode);                                                          \
  }                                                                                                  \
  void from_json(const Json& json, T& out, JsonMode mode) { detail::decode_model(json, out, mode); }  \
  void from_json_text(std::string_view text, T& out, JsonMode mode) { detail::decode_model_text(text, out, mode); }
