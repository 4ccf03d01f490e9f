// conductor-bench: runs the performance scenarios of docs/performance.md and prints every figure as
// `figure NAME VALUE UNIT`, then a table. Run without options for the standard set; --help lists them.

#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>

#include "bench.hpp"

namespace conductor::bench {

std::string_view to_string(StorageKind kind) {
  switch (kind) {
    case StorageKind::kFull:
      return "full";
    case StorageKind::kNormal:
      return "normal";
    case StorageKind::kMemory:
      return "memory";
    case StorageKind::kPostgres:
      return "postgres";
  }
  return "?";
}

namespace {

constexpr const char* kUsage = R"(usage: conductor-bench [options]
  --scenario LIST           inprocess,stall,http (the default: all three) or raw; every run
                            measures raw storage too, for the ratios; search measures free-text
                            search over 100,000 workflows (once, on a file at synchronous=NORMAL);
                            multiprocess runs the http workload on several servers and the
                            in-process one on one and on several engine processes (postgres only);
                            longpoll measures starts and task updates over HTTP beside parked
                            long polls (about 10 s per storage)
  --storage LIST            full,normal,memory,postgres (default the first three)
  --pg-url URL              the PostgreSQL server for postgres (default: a throwaway cluster started
                            in the scratch directory, synced on every commit like full)
  --processes N             multiprocess (postgres only): conductor-servers on the one database,
                            sharing the http scenario's workers and starters, and engine processes
                            sharing 64 workflows in flight (default 3)
  --inflight LIST           in-process workflows in flight, e.g. 1,8,64 (the default)
  --workflows N             stop starting workflows after N (default 100000)
  --seconds S               stop starting workflows after S seconds, 0 for no limit (default 10)
  --worker-threads N        in-process worker threads (default: in flight, at most 16)
  --http-workers N          external workers of the http scenario (default 8)
  --waiting-polls N         long polls the longpoll scenario parks (default 500)
  --raw-seconds S           length of each raw storage measurement (default 4)
  --dir PATH                where database files go (default: a fresh directory under the temp dir)
  --metrics on|off          in-process runs collect the engine's metrics in PrometheusMetrics
                            (default off); their figures are named ..._metrics
  --retain-seconds S        in-process runs remove completed workflows S seconds after their end
                            (default: kept); their figures are named ..._retained
)";

struct Options {
  bool inprocess = true;
  bool stall = true;
  bool http = http_available();
  bool search = false;
  bool multiprocess = false;
  bool longpoll = false;
  int waiting_polls = 500;
  int processes = 3;
  std::vector<StorageKind> storages{StorageKind::kFull, StorageKind::kNormal, StorageKind::kMemory};
  std::vector<int> in_flight{1, 8, 64};
  int workflows = 100'000;
  double seconds = 10;
  int worker_threads = 0;
  int http_workers = 8;
  double raw_seconds = 4;
  std::optional<std::filesystem::path> dir;
  std::optional<std::string> pg_url;
  bool metrics = false;
  std::optional<std::chrono::seconds> retain;
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  std::stringstream stream(list);
  for (std::string item; std::getline(stream, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

StorageKind parse_storage(const std::string& name) {
  for (StorageKind kind : {StorageKind::kFull, StorageKind::kNormal, StorageKind::kMemory, StorageKind::kPostgres})
    if (to_string(kind) == name) return kind;
  throw std::invalid_argument("unknown storage: " + name);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
    std::string value = argv[++i];
    if (flag == "--scenario") {
      options.inprocess = options.stall = options.http = false;
      for (const auto& name : split(value)) {
        if (name == "inprocess") {
          options.inprocess = true;
        } else if (name == "stall") {
          options.stall = true;
        } else if (name == "http") {
          if (!http_available()) throw std::invalid_argument("http: conductor-server was not built (CONDUCTOR_WITH_HTTP)");
          options.http = true;
        } else if (name == "multiprocess") {
          if (!http_available()) throw std::invalid_argument("multiprocess: conductor-server was not built");
          options.multiprocess = true;
        } else if (name == "longpoll") {
          if (!http_available()) throw std::invalid_argument("longpoll: conductor-server was not built");
          options.longpoll = true;
        } else if (name == "search") {
          options.search = true;
        } else if (name != "raw") {
          throw std::invalid_argument("unknown scenario: " + name);
        }
      }
    } else if (flag == "--storage") {
      options.storages.clear();
      for (const auto& name : split(value)) options.storages.push_back(parse_storage(name));
    } else if (flag == "--inflight") {
      options.in_flight.clear();
      for (const auto& n : split(value)) options.in_flight.push_back(std::max(1, std::stoi(n)));
    } else if (flag == "--workflows") {
      options.workflows = std::stoi(value);
    } else if (flag == "--seconds") {
      options.seconds = std::stod(value);
    } else if (flag == "--worker-threads") {
      options.worker_threads = std::stoi(value);
    } else if (flag == "--http-workers") {
      options.http_workers = std::max(1, std::stoi(value));
    } else if (flag == "--waiting-polls") {
      options.waiting_polls = std::max(1, std::stoi(value));
    } else if (flag == "--raw-seconds") {
      options.raw_seconds = std::stod(value);
    } else if (flag == "--processes") {
      options.processes = std::max(2, std::stoi(value));
    } else if (flag == "--pg-url") {
      options.pg_url = value;
    } else if (flag == "--dir") {
      options.dir = value;
    } else if (flag == "--metrics") {
      if (value != "on" && value != "off") throw std::invalid_argument("--metrics takes on or off");
      if (value == "on" && !metrics_available())
        throw std::invalid_argument("--metrics: conductor::prometheus was not built (CONDUCTOR_WITH_PROMETHEUS)");
      options.metrics = value == "on";
    } else if (flag == "--retain-seconds") {
      options.retain = std::chrono::seconds(std::stoi(value));
    } else {
      throw std::invalid_argument("unknown option: " + flag);
    }
  }
  return options;
}

/// Runs `scenario` in a child process, so each run's peak RSS, CPU time and heap start clean, and
/// returns its figures (sent back as `name value unit` lines). Nothing here has started a thread, so
/// forking is safe.
Figures run_isolated(const std::function<Figures()>& scenario) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error(std::strerror(errno));
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    int status = 0;
    try {
      std::string out;
      for (const Figure& f : scenario()) out += fmt::format("{} {:.17g} {}\n", f.name, f.value, f.unit);
      for (std::size_t done = 0; done < out.size();) {
        ssize_t n = write(fds[1], out.data() + done, out.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "conductor-bench: %s\n", e.what());
      status = 1;
    }
    std::_Exit(status);
  }
  close(fds[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("a benchmark run failed");
  Figures figures;
  std::stringstream lines(text);
  for (Figure f; lines >> f.name >> f.value >> f.unit;) figures.push_back(f);
  return figures;
}

/// A scratch directory for one run's database files, removed afterwards.
class ScratchDir {
 public:
  explicit ScratchDir(const std::optional<std::filesystem::path>& parent) {
    std::filesystem::path base = parent.value_or(std::filesystem::temp_directory_path());
    std::filesystem::create_directories(base);
    std::string pattern = (base / "conductor-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(std::strerror(errno));
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void print(const Figure& f) { std::printf("figure %s %.6g %s\n", f.name.c_str(), f.value, f.unit.c_str()); }

class Results {
 public:
  void add(const Figures& figures) {
    for (const Figure& f : figures) {
      print(f);
      values_[f.name] = f.value;
    }
    std::fflush(stdout);
  }
  std::optional<double> get(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, double> values_;
};

/// The value of the figure called `name`, which `figures` must hold.
double value_of(const Figures& figures, const std::string& name) {
  for (const Figure& f : figures)
    if (f.name == name) return f.value;
  throw std::logic_error("no figure " + name);
}

std::string cell(std::optional<double> value, int decimals = 0) {
  return value ? fmt::format("{:.{}f}", *value, decimals) : "–";
}

/// A table column: the figure named `prefix + suffix`, with this many decimals.
struct Column {
  std::string_view suffix;
  int decimals;
};

/// Prints one table row: the leading cells as given, then one cell per column.
void print_row(const std::vector<std::string>& leading, const std::string& prefix, std::span<const Column> columns,
               const Results& results) {
  std::string row = "|";
  for (const std::string& text : leading) row += fmt::format(" {} |", text);
  for (const Column& column : columns) {
    row += fmt::format(" {} |", cell(results.get(prefix + std::string(column.suffix)), column.decimals));
  }
  std::printf("%s\n", row.c_str());
}

void print_inprocess_table(const Options& options, const Results& results) {
  static constexpr Column kColumns[] = {{"_wf_per_s", 0},          {"_wf_per_raw_commit", 3}, {"_transitions_per_s", 0},
                                        {"_p50_ms", 2},            {"_p99_ms", 2},            {"_cpu_s_per_1000_wf", 3},
                                        {"_commits_per_wf", 2},    {"_peak_rss", 1},          {"_rss_growth", 1},
                                        {"_db_bytes_per_wf", 0}};
  std::printf(
      "\n| storage | in flight | wf/s | wf/s ÷ raw commits/s | transitions/s | p50 ms | p99 ms | CPU s/1000 wf | "
      "commits/wf | peak RSS MiB | RSS growth MiB | DB bytes/wf |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (StorageKind kind : options.storages) {
    for (int n : options.in_flight) {
      print_row({std::string(to_string(kind)), std::to_string(n)},
                fmt::format("inprocess_{}_inflight{}", to_string(kind), n), kColumns, results);
    }
  }
}

void print_http_table(const Options& options, const Results& results) {
  static constexpr Column kColumns[] = {
      {"_task_exec_per_s", 0}, {"_task_exec_per_raw_commit", 3}, {"_p50_ms", 2},
      {"_p99_ms", 2},          {"_wf_starts_per_s", 0},          {"_wf_per_s", 0},
      {"_server_cpu_s_per_1000_tasks", 3}, {"_load_cpu_s_per_1000_tasks", 3}, {"_server_peak_rss", 1}};
  std::printf(
      "\n| storage | workers | task executions/s | ÷ raw commits/s | p50 ms | p99 ms | wf starts/s | wf/s | "
      "server CPU s/1000 tasks | load CPU s/1000 tasks | server peak RSS MiB |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (StorageKind kind : options.storages) {
    print_row({std::string(to_string(kind)), std::to_string(options.http_workers)},
              fmt::format("http_{}_workers{}", to_string(kind), options.http_workers), kColumns, results);
  }
}

void print_stall_table(const Options& options, const Results& results) {
  static constexpr Column kColumns[] = {{"_workflows", 0}, {"_p50_ms", 2}, {"_p99_ms", 2}, {"_overlap", 0}};
  std::printf(
      "\n| storage | workflows beside a 2 s script | p50 ms | p99 ms | measured within the spin |\n"
      "|---|---:|---:|---:|---:|\n");
  for (StorageKind kind : options.storages)
    print_row({std::string(to_string(kind))}, fmt::format("stall_{}", to_string(kind)), kColumns, results);
}

void print_longpoll_table(const Options& options, const Results& results) {
  static constexpr Column kColumns[] = {{"_start_p50_ms", 2}, {"_start_p99_ms", 2}, {"_update_p50_ms", 2},
                                        {"_update_p99_ms", 2}, {"_polls_late", 0},   {"_poll_answer_max_ms", 0}};
  std::printf(
      "\n| storage | waiting polls | start p50 ms | start p99 ms | update p50 ms | update p99 ms | late polls | "
      "latest poll answer ms |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (StorageKind kind : options.storages) {
    for (int waiting : {0, options.waiting_polls}) {
      print_row({std::string(to_string(kind)), std::to_string(waiting)},
                fmt::format("longpoll_{}_waiting{}", to_string(kind), waiting), kColumns, results);
    }
  }
}

void print_search_table(const Results& results) {
  static constexpr Column kColumns[] = {{"index_insert_us", 1}, {"index_update_us", 1},   {"freetext_100k_ms", 2},
                                        {"field_value_100k_ms", 2}, {"combined_100k_ms", 2}};
  std::printf(
      "\n| µs per summary indexed | µs per summary rewritten | free text ms | field:value ms | combined ms |\n"
      "|---:|---:|---:|---:|---:|\n");
  print_row({}, "search_", kColumns, results);
}

void print_table(const Options& options, const Results& results) {
  static constexpr Column kColumns[] = {{"_commits_per_s", 0}, {"_batch100_rows_per_s", 0}};
  std::printf("\n| storage | raw commits/s | raw rows/s, 100 per commit |\n|---|---:|---:|\n");
  for (StorageKind kind : options.storages) {
    print_row({std::string(to_string(kind))}, fmt::format("raw_{}", to_string(kind)), kColumns, results);
  }
  if (options.inprocess) print_inprocess_table(options, results);
  if (options.stall) print_stall_table(options, results);
  if (options.http) print_http_table(options, results);
  if (options.longpoll) print_longpoll_table(options, results);
  if (options.search) print_search_table(results);
}

void run_inprocess_set(const Options& options, StorageKind kind, double raw, Results& results) {
  for (int n : options.in_flight) {
    ScratchDir dir(options.dir);
    InProcessConfig config{.storage = kind, .in_flight = n, .max_workflows = options.workflows,
                           .max_seconds = options.seconds, .worker_threads = options.worker_threads, .dir = dir.path(),
                           .metrics = options.metrics, .retain = options.retain};
    Figures figures = run_isolated([&] { return run_inprocess(config); });
    const std::string prefix = fmt::format("inprocess_{}_inflight{}{}{}", to_string(kind), n,
                                           options.metrics ? "_metrics" : "", options.retain ? "_retained" : "");
    if (raw > 0) {
      figures.push_back({prefix + "_wf_per_raw_commit", value_of(figures, prefix + "_wf_per_s") / raw, "ratio"});
      figures.push_back({prefix + "_p50_in_raw_commits", value_of(figures, prefix + "_p50_ms") * raw / 1000, "ratio"});
    }
    results.add(figures);
  }
}

void run_http_once(const Options& options, StorageKind kind, double raw, Results& results) {
  ScratchDir dir(options.dir);
  HttpConfig config{.storage = kind, .workers = options.http_workers, .max_workflows = options.workflows,
                    .max_seconds = options.seconds, .dir = dir.path()};
  Figures figures = run_isolated([&] { return run_http(config); });
  const std::string prefix = fmt::format("http_{}_workers{}", to_string(kind), options.http_workers);
  if (raw > 0)
    figures.push_back({prefix + "_task_exec_per_raw_commit", value_of(figures, prefix + "_task_exec_per_s") / raw, "ratio"});
  results.add(figures);
}

/// A PostgreSQL cluster for the run, started like the tests' one but synced on every commit, and
/// reached over its Unix socket, as a server on the same host would be.
class Cluster {
 public:
  explicit Cluster(const std::optional<std::filesystem::path>& parent) : dir_(parent) {
    if (command("start") != 0) throw std::runtime_error("could not start a PostgreSQL cluster");
    std::ifstream in(dir_.path() / "cluster" / "socket_url");
    std::getline(in, url_);
  }
  ~Cluster() { command("stop"); }
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  const std::string& url() const { return url_; }

 private:
  int command(const char* action) {
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);  // the cluster's owner may be another user
    return std::system(fmt::format("bash {} {} {} {} durable >/dev/null", CONDUCTOR_PG_CLUSTER_SCRIPT, action,
                                   CONDUCTOR_PG_BINDIR, (dir_.path() / "cluster").string())
                           .c_str());
  }

  ScratchDir dir_;
  std::string url_;
};

int run(const Options& options) {
  Results results;
  std::optional<Cluster> cluster;
  if (std::find(options.storages.begin(), options.storages.end(), StorageKind::kPostgres) != options.storages.end()) {
    if (options.pg_url) {
      set_postgres_server(*options.pg_url);
    } else {
      cluster.emplace(options.dir);
      set_postgres_server(cluster->url());
    }
  }
  for (StorageKind kind : options.storages) {
    {
      ScratchDir dir(options.dir);
      results.add(run_isolated([&] { return run_raw_storage(kind, dir.path(), options.raw_seconds); }));
    }
    // The ratios to the raw storage limit hold across machines and noisy neighbours.
    const double raw = results.get(fmt::format("raw_{}_commits_per_s", to_string(kind))).value_or(0);
    if (options.inprocess) run_inprocess_set(options, kind, raw, results);
    if (options.stall) {
      ScratchDir dir(options.dir);
      StallConfig config{.storage = kind, .dir = dir.path()};
      results.add(run_isolated([&] { return run_stall(config); }));
    }
    if (options.http) run_http_once(options, kind, raw, results);
    if (options.longpoll) {
      ScratchDir dir(options.dir);
      LongPollConfig config{.storage = kind, .waiting_polls = options.waiting_polls, .dir = dir.path()};
      results.add(run_isolated([&] { return run_longpoll(config); }));
    }
    if (options.multiprocess && kind == StorageKind::kPostgres) {
      ScratchDir dir(options.dir);
      HttpConfig config{.storage = kind, .processes = options.processes, .workers = options.http_workers,
                        .max_workflows = options.workflows, .max_seconds = options.seconds, .dir = dir.path()};
      results.add(run_isolated([&] { return run_http(config); }));
      for (int processes : {1, options.processes}) {
        EmbeddedConfig embedded{.processes = processes, .in_flight = 64, .max_workflows = options.workflows,
                                .max_seconds = options.seconds};
        results.add(run_isolated([&] { return run_embedded(embedded); }));
      }
    }
  }
  if (options.search) {
    ScratchDir dir(options.dir);
    results.add(run_isolated([&] { return run_search(dir.path()); }));
  }
  print_table(options, results);
  return 0;
}

}  // namespace
}  // namespace conductor::bench

int main(int argc, char** argv) {
  try {
    return conductor::bench::run(conductor::bench::parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conductor-bench: %s\n%s", e.what(), conductor::bench::kUsage);
    return 1;
  }
}
