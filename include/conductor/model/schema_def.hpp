#pragma once

#include <conductor/model/enums.hpp>
#include <conductor/model/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace conductor {

/// Server-stamped audit fields shared by definitions and executions.
struct Auditable {
  std::optional<std::string> owner_app;
  std::optional<std::string> created_by;
  std::optional<std::string> updated_by;
  std::int64_t create_time = 0;
  std::int64_t update_time = 0;

  bool operator==(const Auditable&) const = default;
};

/// A schema reference (accepted and stored; schemas are not enforced).
struct SchemaDef : Auditable {
  std::string name;
  int version = 1;
  std::optional<SchemaType> type;
  std::optional<JsonObject> data;
  std::optional<std::string> external_ref;

  bool operator==(const SchemaDef&) const = default;
};

struct RateLimitConfig {
  std::optional<std::string> rate_limit_key;
  int concurrent_exec_limit = 0;
  RateLimitPolicy policy = RateLimitPolicy::kQueue;

  bool operator==(const RateLimitConfig&) const = default;
};

struct CacheConfig {
  std::optional<std::string> key;
  int ttl_in_second = 0;

  bool operator==(const CacheConfig&) const = default;
};

}  // namespace conductor
