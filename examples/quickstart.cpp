// Quick start: define a three-task workflow in JSON, run it durably on a SQLite file with in-process
// workers, and print the finished workflow.
//
//   quickstart [definition.json] [database.db]
#include <conductor/engine.hpp>
#include <conductor/codec.hpp>
#include <conductor/storage/sqlite.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

int main(int argc, char** argv) {
  const std::string definition_path = argc > 1 ? argv[1] : CONDUCTOR_QUICKSTART_JSON;
  const std::string database_path = argc > 2 ? argv[2] : "quickstart.db";
  try {
    std::ifstream file(definition_path);
    if (!file) throw std::runtime_error("cannot read " + definition_path);
    std::stringstream text;
    text << file.rdbuf();

    conductor::Engine engine({.storage = conductor::open_sqlite({.path = database_path})});
    auto def = conductor::decode<conductor::WorkflowDef>(text.str());
    engine.metadata().update_workflow_defs({def});

    auto& workers = engine.workers();
    workers.add({.task_type = "fetch_name"}, [](const conductor::Task& t) {
      return conductor::JsonObject{{"name", "user-" + std::to_string(t.input_data.at("user_id").to_number<int>())}};
    });
    workers.add({.task_type = "greet"}, [](const conductor::Task& t) {
      return conductor::JsonObject{{"greeting", "Hello, " + std::string(t.input_data.at("name").as_string()) + "!"}};
    });
    workers.add({.task_type = "count_letters"}, [](const conductor::Task& t) {
      return conductor::JsonObject{{"letters", t.input_data.at("text").as_string().size()}};
    });
    workers.start();

    auto started = std::chrono::steady_clock::now();
    auto id = engine.executor().start_workflow({.name = def.name, .input = conductor::JsonObject{{"user_id", 42}}});
    conductor::Workflow wf;
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      wf = engine.executor().get_workflow(id);
    } while (wf.status == conductor::WorkflowStatus::kRunning);
    auto elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    workers.stop();

    std::cout << "workflow " << id << " " << to_string(wf.status) << " in " << elapsed << " ms\n";
    for (const auto& t : wf.tasks)
      std::cout << "  " << t.reference_task_name << " " << to_string(t.status) << " "
                << boost::json::serialize(t.output_data) << "\n";
    std::cout << "output " << boost::json::serialize(wf.output) << "\n";
    return wf.status == conductor::WorkflowStatus::kCompleted ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "quickstart: " << e.what() << "\n";
    return 2;
  }
}
