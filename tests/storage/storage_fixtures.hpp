#pragma once

#include <conductor/storage/sqlite.hpp>
#include <conductor/storage/storage.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

/// Backend fixtures for the storage contract suite. Each offers `storage()`, and persistent ones
/// `reopen()`, which closes the backend and opens the same database again. A new backend adds one
/// fixture here and to the suite's type list.
namespace conductor::testing {

/// A fresh directory under the system temp dir, deleted with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "conductor-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct SqliteMemoryFixture {
  static constexpr bool kPersistent = false;

  Storage& storage() { return *storage_; }
  void reopen() {}

 private:
  std::unique_ptr<Storage> storage_ = open_sqlite(SqliteOptions{":memory:", SqliteSync::kOff});
};

struct SqliteFileFixture {
  static constexpr bool kPersistent = true;

  Storage& storage() { return *storage_; }
  void reopen() {
    storage_.reset();
    storage_ = open_sqlite(options_);
  }
  const SqliteOptions& options() const { return options_; }

 private:
  TempDir dir_;
  SqliteOptions options_{(dir_.path() / "conductor.db").string(), SqliteSync::kNormal};
  std::unique_ptr<Storage> storage_ = open_sqlite(options_);
};

}  // namespace conductor::testing
