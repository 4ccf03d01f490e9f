#include <conductor/conductor.hpp>

#include <fmt/format.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bench.hpp"

#ifdef CONDUCTOR_WITH_POSTGRES
#include <conductor/storage/postgres.hpp>
#endif

namespace conductor::bench {

#ifdef CONDUCTOR_WITH_POSTGRES

namespace {

using Clock = std::chrono::steady_clock;

/// What the engine processes share, in memory mapped before they are forked: the in-flight places
/// (a workflow started in one process may complete in another), the counts, and the signals.
struct Shared {
  sem_t places;  // free in-flight places
  sem_t ready;   // posted by each process once its engine runs
  sem_t go;      // posted by the parent, once per process
  sem_t finish;  // likewise, once every workflow has completed
  std::atomic<long> started{0};
  std::atomic<long> completed{0};
  std::atomic<int> starters_left{0};
  std::atomic<bool> stop_starting{false};
  std::atomic<std::int64_t> last_completion_ns{0};
  std::atomic<std::int64_t> cpu_us{0};
};

/// sem_wait, again when a signal interrupts it.
void wait_on(sem_t& semaphore) {
  while (sem_wait(&semaphore) != 0) {
  }
}

std::int64_t since_epoch_ns(Clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

/// Each process runs a starter per workflow in flight, as the in-process scenario does.
int starters_per_process(const EmbeddedConfig& config) { return std::max(1, config.in_flight / config.processes); }

/// Ends the engine processes of a run that cannot go on, so none is left waiting for a signal.
void kill_all(const std::vector<pid_t>& children) {
  for (pid_t pid : children) kill(pid, SIGKILL);
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
}

/// Engine processes end only when the parent lets them: one that ended earlier failed, and the
/// workflows it held in flight will never free their places.
void fail_if_one_ended(const std::vector<pid_t>& children) {
  for (pid_t pid : children) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) {
      kill_all(children);
      throw std::runtime_error("an engine process failed");
    }
  }
}

/// Counts a completion for every process, whichever ran the workflow, and frees its place.
class CountingListener final : public StatusListener {
 public:
  explicit CountingListener(Shared& shared) : shared_(shared) {}
  void on_workflow(WorkflowEvent event, const Workflow&) override {
    if (event != WorkflowEvent::kCompleted) return;
    const std::int64_t now = since_epoch_ns(Clock::now());
    std::int64_t last = shared_.last_completion_ns.load();
    while (last < now && !shared_.last_completion_ns.compare_exchange_weak(last, now)) {
    }
    ++shared_.completed;
    sem_post(&shared_.places);
  }

 private:
  Shared& shared_;
};

/// One engine process: its own storage connections, workers and starters.
void run_engine_process(Shared& shared, const std::string& url, const EmbeddedConfig& config) {
  const int threads = std::max(1, 16 / config.processes);
  const int per_process = starters_per_process(config);
  Engine engine({.storage = open_postgres({.url = url, .pool_size = std::max(2, 16 / config.processes)})});
  engine.executor().add_listener(std::make_shared<CountingListener>(shared));
  engine.workers().add({.task_type = std::string(kTaskType), .threads = threads,
                        .batch_size = std::max(1, per_process / threads)},
                       bench_task_output);
  engine.workers().start();
  sem_post(&shared.ready);
  wait_on(shared.go);
  const double cpu_before = cpu_seconds();
  std::vector<std::thread> starters;
  for (int i = 0; i < per_process; ++i) {
    starters.emplace_back([&] {
      StartWorkflowRequest request;
      request.name = std::string(kWorkflowName);
      long order = 0;
      for (;;) {
        wait_on(shared.places);
        if (shared.stop_starting || shared.started.fetch_add(1) >= config.max_workflows) {
          sem_post(&shared.places);
          break;
        }
        request.input = JsonObject{{"order", ++order}};
        try {
          engine.executor().start_workflow(request);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "conductor-bench: start failed: %s\n", e.what());
          std::_Exit(2);
        }
      }
      --shared.starters_left;
    });
  }
  for (auto& t : starters) t.join();
  wait_on(shared.finish);
  shared.cpu_us += static_cast<std::int64_t>((cpu_seconds() - cpu_before) * 1e6);
  engine.workers().stop();
}

}  // namespace

Figures run_embedded(const EmbeddedConfig& config) {
  const std::string url = postgres_database();
  {
    // Registered before the processes exist; the engine and its threads are gone before the forks.
    Engine engine({.storage = open_postgres({.url = url, .pool_size = 1})});
    engine.metadata().register_task_defs({bench_task_def()});
    engine.metadata().register_workflow_def(three_step_workflow());
  }
  void* memory = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::runtime_error("cannot map shared memory");
  auto* shared = new (memory) Shared;
  sem_init(&shared->places, 1, static_cast<unsigned>(config.in_flight));
  sem_init(&shared->ready, 1, 0);
  sem_init(&shared->go, 1, 0);
  sem_init(&shared->finish, 1, 0);
  shared->starters_left = config.processes * starters_per_process(config);

  std::vector<pid_t> children;
  std::fflush(nullptr);
  for (int i = 0; i < config.processes; ++i) {
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      int status = 0;
      try {
        run_engine_process(*shared, url, config);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "conductor-bench: %s\n", e.what());
        status = 1;
      }
      std::_Exit(status);
    }
    children.push_back(pid);
  }
  for (int i = 0; i < config.processes; ++i) {
    timespec deadline{};
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 60;
    while (sem_timedwait(&shared->ready, &deadline) != 0) {
      if (errno != EINTR) {
        kill_all(children);
        throw std::runtime_error("an engine process did not start");
      }
    }
  }
  const Clock::time_point begin = Clock::now();
  for (int i = 0; i < config.processes; ++i) sem_post(&shared->go);
  // Admission stops after the run's length; then the counts, kept across the processes, show when
  // the last workflow has completed (polled: no one process sees every completion).
  const auto admit_until = begin + std::chrono::duration<double>(config.max_seconds);
  while ((config.max_seconds <= 0 || Clock::now() < admit_until) && shared->started < config.max_workflows) {
    fail_if_one_ended(children);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  shared->stop_starting = true;
  const auto give_up = Clock::now() + std::chrono::seconds(120);
  while (shared->starters_left > 0 || shared->completed < std::min<long>(shared->started, config.max_workflows)) {
    if (Clock::now() > give_up) {
      kill_all(children);
      throw std::runtime_error("workflows did not complete in time");
    }
    fail_if_one_ended(children);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int i = 0; i < config.processes; ++i) sem_post(&shared->finish);
  bool failed = false;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    failed = failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  if (failed) throw std::runtime_error("an engine process failed");

  const long completed = shared->completed;
  if (completed <= 0) throw std::runtime_error("no workflow completed");
  const double seconds =
      std::chrono::duration<double>(std::chrono::nanoseconds(shared->last_completion_ns.load()) -
                                    begin.time_since_epoch())
          .count();
  const double cpu = static_cast<double>(shared->cpu_us.load()) / 1e6;
  munmap(memory, sizeof(Shared));
  const std::string prefix =
      fmt::format("embedded_postgres_processes{}_inflight{}", config.processes, config.in_flight);
  return {
      {prefix + "_workflows", static_cast<double>(completed), "wf"},
      {prefix + "_wf_per_s", static_cast<double>(completed) / seconds, "wf/s"},
      {prefix + "_cpu_s_per_1000_wf", cpu * 1000 / static_cast<double>(completed), "s"},
  };
}

#else

Figures run_embedded(const EmbeddedConfig&) {
  throw std::invalid_argument("postgres: this build has no PostgreSQL support");
}

#endif

}  // namespace conductor::bench
