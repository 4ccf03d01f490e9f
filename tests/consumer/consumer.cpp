// A host program that only knows the installed headers and the CMake package.
#include <conductor/conductor.hpp>

#include <iostream>

int main() {
  auto storage = conductor::open_sqlite({});
  auto def = conductor::decode<conductor::TaskDef>(R"({"name": "consumer_task", "retryCount": 1})");
  auto tx = storage->begin();
  tx->metadata().put_task_def(def);
  tx->commit();
  auto read = storage->begin(conductor::TransactionMode::kRead)->metadata().find_task_def("consumer_task");
  if (!read || read->retry_count != 1) return 1;
  std::cout << conductor::encode(*read) << "\n";
  return 0;
}
