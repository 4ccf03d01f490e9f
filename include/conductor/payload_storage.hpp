#pragma once

#include <conductor/export.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace conductor {

/// Which payload of a workflow or task a stored document is (Conductor's PayloadType).
enum class PayloadType { kWorkflowInput, kWorkflowOutput, kTaskInput, kTaskOutput };

/// `WORKFLOW_INPUT`, `WORKFLOW_OUTPUT`, `TASK_INPUT`, `TASK_OUTPUT`.
CONDUCTOR_EXPORT std::string_view to_string(PayloadType type);
/// The type named by one of those spellings (case-insensitive); nullopt otherwise.
CONDUCTOR_EXPORT std::optional<PayloadType> parse_payload_type(std::string_view text);

/// Size limits of payloads, in KiB of serialized JSON (Conductor's defaults). A payload above its
/// threshold is kept in the engine's PayloadStorage instead of its workflow or task row. A payload a
/// caller hands in (a start's input, a worker's output) above its maximum is refused with a
/// ValidationError, and nothing is stored.
struct PayloadLimits {
  std::int64_t workflow_input_threshold_kb = 5120;
  std::int64_t workflow_input_max_kb = 10240;
  std::int64_t workflow_output_threshold_kb = 5120;
  std::int64_t workflow_output_max_kb = 10240;
  std::int64_t task_input_threshold_kb = 3072;
  std::int64_t task_input_max_kb = 10240;
  std::int64_t task_output_threshold_kb = 3072;
  std::int64_t task_output_max_kb = 10240;

  std::int64_t threshold_kb(PayloadType type) const;
  std::int64_t max_kb(PayloadType type) const;
};

/// Where large payloads live outside the database (Conductor's ExternalPayloadStorage). Documents are
/// JSON texts addressed by a relative path made of letters, digits, `.`, `_` and `-`. The engine
/// names each document after the row and the content it holds and never writes a path twice with
/// different content, so a transaction that rolls back leaves at most an unused document behind.
///
/// Implementations must be safe to call from any thread.
class CONDUCTOR_EXPORT PayloadStorage {
 public:
  virtual ~PayloadStorage() = default;

  /// Stores `json` under `path`, replacing what was there; a reader never sees half a document.
  /// ValidationError for a malformed path, StorageError when it cannot be written.
  virtual void write(std::string_view path, std::string_view json) = 0;
  /// The document under `path`: NotFoundError when there is none, ValidationError for a malformed
  /// path, StorageError when it cannot be read.
  virtual std::string read(std::string_view path) = 0;
  virtual bool exists(std::string_view path) = 0;
};

/// A PayloadStorage keeping each document as a file in `directory`, which is created when missing.
/// Throws StorageError when it cannot be created.
CONDUCTOR_EXPORT std::shared_ptr<PayloadStorage> directory_payload_storage(std::filesystem::path directory);

/// A fresh path for a payload of `type` that a client is about to store: `<type>-<uuid>.json` in
/// lower case, e.g. `task_output-1b4e28ba-2fa1-11d2-883f-0016d3cca427.json`. The engine names its own
/// documents after their workflow or task id, so the two never meet.
CONDUCTOR_EXPORT std::string new_payload_path(PayloadType type);
/// The type of a path made by new_payload_path; nullopt for any other path.
CONDUCTOR_EXPORT std::optional<PayloadType> client_payload_type(std::string_view path);

/// True when `path` is a well-formed payload path (see PayloadStorage).
CONDUCTOR_EXPORT bool is_payload_path(std::string_view path);

}  // namespace conductor
