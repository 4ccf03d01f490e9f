// A host program that only knows the installed headers and the CMake package.
#include <conductor/conductor.hpp>

#include <iostream>
#include <string>

int main() {
  // The generated version header agrees with the package the host was given.
  const std::string version = std::to_string(CONDUCTOR_VERSION_MAJOR) + "." + std::to_string(CONDUCTOR_VERSION_MINOR) +
                              "." + std::to_string(CONDUCTOR_VERSION_PATCH);
  if (version != CONDUCTOR_VERSION_STRING || version != EXPECTED_CONDUCTOR_VERSION) return 2;

  auto storage = conductor::open_sqlite({});
  auto def = conductor::decode<conductor::TaskDef>(R"({"name": "consumer_task", "retryCount": 1})");
  auto tx = storage->begin();
  tx->metadata().put_task_def(def);
  tx->commit();
  auto read = storage->begin(conductor::TransactionMode::kRead)->metadata().find_task_def("consumer_task");
  if (!read || read->retry_count != 1) return 1;

  // The services come from an Engine, by reference.
  conductor::Engine engine({.background = false});
  engine.metadata().register_task_defs({def});
  if (engine.metadata().get_task_def("consumer_task").retry_count != 1) return 3;
  std::cout << conductor::encode(*read) << " " << CONDUCTOR_VERSION_STRING << "\n";
  return 0;
}
