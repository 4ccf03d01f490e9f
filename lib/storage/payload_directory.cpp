#include <conductor/error.hpp>
#include <conductor/payload_storage.hpp>

#include "storage/payload_offloading.hpp"
#include "util/uuid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace conductor {
namespace {

constexpr std::array<std::pair<PayloadType, std::string_view>, 4> kTypeNames{{
    {PayloadType::kWorkflowInput, "WORKFLOW_INPUT"},
    {PayloadType::kWorkflowOutput, "WORKFLOW_OUTPUT"},
    {PayloadType::kTaskInput, "TASK_INPUT"},
    {PayloadType::kTaskOutput, "TASK_OUTPUT"},
}};

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) == std::toupper(static_cast<unsigned char>(y));
  });
}

void check_path(std::string_view path) {
  if (!is_payload_path(path)) throw ValidationError(fmt::format("Invalid payload path: {}", path));
}

/// One file per document; a write goes to a temporary file renamed over the target, so a reader
/// sees the old document or the new one, never a mix.
class DirectoryPayloadStorage final : public PayloadStorage {
 public:
  explicit DirectoryPayloadStorage(std::filesystem::path directory) : directory_(std::move(directory)) {
    std::error_code error;
    std::filesystem::create_directories(directory_, error);
    if (error)
      throw StorageError(fmt::format("Cannot create payload directory {}: {}", directory_.string(), error.message()));
  }

  void write(std::string_view path, std::string_view json) override {
    check_path(path);
    const auto target = directory_ / std::string(path);
    const auto temporary = directory_ / fmt::format(".{}.tmp", detail::new_uuid());
    {
      std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
      out.write(json.data(), static_cast<std::streamsize>(json.size()));
      out.flush();
      if (!out) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        throw StorageError(fmt::format("Cannot write payload {} in {}", path, directory_.string()));
      }
    }
    std::error_code error;
    std::filesystem::rename(temporary, target, error);
    if (error) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw StorageError(fmt::format("Cannot store payload {}: {}", path, error.message()));
    }
  }

  std::string read(std::string_view path) override {
    check_path(path);
    std::ifstream in(directory_ / std::string(path), std::ios::binary);
    if (!in) throw NotFoundError(fmt::format("No payload stored at path: {}", path));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throw StorageError(fmt::format("Cannot read payload {}", path));
    return text;
  }

  bool exists(std::string_view path) override {
    check_path(path);
    std::error_code error;
    return std::filesystem::is_regular_file(directory_ / std::string(path), error);
  }

 private:
  std::filesystem::path directory_;
};

}  // namespace

std::string_view to_string(PayloadType type) {
  for (const auto& [value, name] : kTypeNames)
    if (value == type) return name;
  return "";
}

std::optional<PayloadType> parse_payload_type(std::string_view text) {
  for (const auto& [value, name] : kTypeNames)
    if (iequals(text, name)) return value;
  return std::nullopt;
}

std::int64_t PayloadLimits::threshold_kb(PayloadType type) const {
  switch (type) {
    case PayloadType::kWorkflowInput: return workflow_input_threshold_kb;
    case PayloadType::kWorkflowOutput: return workflow_output_threshold_kb;
    case PayloadType::kTaskInput: return task_input_threshold_kb;
    case PayloadType::kTaskOutput: return task_output_threshold_kb;
  }
  return 0;
}

std::int64_t PayloadLimits::max_kb(PayloadType type) const {
  switch (type) {
    case PayloadType::kWorkflowInput: return workflow_input_max_kb;
    case PayloadType::kWorkflowOutput: return workflow_output_max_kb;
    case PayloadType::kTaskInput: return task_input_max_kb;
    case PayloadType::kTaskOutput: return task_output_max_kb;
  }
  return 0;
}

std::string detail::payload_type_prefix(PayloadType type) {
  std::string prefix(to_string(type));
  for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return prefix;
}

std::string new_payload_path(PayloadType type) {
  return fmt::format("{}-{}.json", detail::payload_type_prefix(type), detail::new_uuid());
}

std::optional<PayloadType> client_payload_type(std::string_view path) {
  if (!is_payload_path(path)) return std::nullopt;
  for (const auto& [value, name] : kTypeNames) {
    const std::string prefix = detail::payload_type_prefix(value) + "-";
    // The prefix, a 36-character uuid, `.json`.
    if (path.starts_with(prefix) && path.ends_with(".json") && path.size() == prefix.size() + 36 + 5) return value;
  }
  return std::nullopt;
}

bool is_payload_path(std::string_view path) {
  // No separators and no leading dot: a path names a file directly inside the store, never a
  // hidden temporary file or anything outside it.
  if (path.empty() || path.size() > 200 || path.front() == '.') return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::shared_ptr<PayloadStorage> directory_payload_storage(std::filesystem::path directory) {
  return std::make_shared<DirectoryPayloadStorage>(std::move(directory));
}

}  // namespace conductor
