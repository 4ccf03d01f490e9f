// A Conductor-compatible REST server: an Engine on a SQLite file behind conductor::http::Server, so
// Conductor's SDKs, workers and tools can use it unchanged. One log line per request on stdout (text
// or JSON lines); the engine's metrics at /metrics for Prometheus. SIGINT or SIGTERM stops it after
// the requests in flight are answered.
//
//   conductor-server --port 8080 --db conductor.db [--sync full|normal] [--host 127.0.0.1] [--io-threads N]
//                    [--worker-threads N] [--max-waiting-polls N] [--max-connections-per-client N]
//                    [--max-waiting-polls-per-client N] [--max-db-mib N] [--token T] [--log-format text|json]
//                    [--log-level debug|info|warning|error] [--retention AGE] [--retention-for NAME=AGE]
//                    [--retention-archive] [--limit NAME=N]
#include <conductor/engine.hpp>
#include <conductor/error.hpp>
#include <conductor/http/server.hpp>
#include <conductor/storage/sqlite.hpp>
#ifdef CONDUCTOR_WITH_POSTGRES
#include <conductor/storage/postgres.hpp>
#endif
#ifdef CONDUCTOR_WITH_PROMETHEUS
#include <conductor/prometheus_metrics.hpp>
#endif

#include "server_log.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace {

constexpr std::string_view kUsage = R"(Usage: conductor-server [options]

Serves Conductor's REST API (under /api) for an embedded engine stored in a SQLite file.

Options:
  --port N            TCP port to listen on (default 8080; 0 picks a free one)
  --db PATH|URL       SQLite database file, created if missing (default conductor.db), or a
                      PostgreSQL URL (postgresql://user:password@host:port/database) shared by
                      every server on that database
  --pool-size N       PostgreSQL connections this server keeps (default 16)
  --sync LEVEL        full (default): an acknowledged change survives power loss; normal: it
                      survives a crash of the process, power loss may undo the last ones
  --host ADDRESS      address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --io-threads N      threads doing network I/O (default 1)
  --worker-threads N  requests computed at once (default 8); a waiting long poll holds none
  --max-waiting-polls N
                      long polls waiting at once; one more is answered 503 (default 2048)
  --max-connections-per-client N
                      open connections per client address; one more is answered 429 and
                      closed (default 512)
  --max-waiting-polls-per-client N
                      long polls waiting at once per client address; one more is answered 429
                      (default 512)
  --max-db-mib N      largest a SQLite database may grow, in MiB (default 0: no limit); past it,
                      as on a full disk, writes are answered 503 and reads go on
  --payload-dir DIR   directory keeping workflow and task payloads above their size thresholds
                      (default: the database path followed by ".payloads"; none for :memory:
                      and PostgreSQL, whose processes need a directory they all share)
  --no-payload-dir    keep every payload in the database; payloads above the maximum are still
                      refused
  --token T           require "Authorization: Bearer T" (or X-Authorization: T) on every route
                      but the health checks; POST /api/token exchanges {"keySecret": T} for it
  --log-format F      text (default): human lines; json: one JSON object per line
  --log-level L       debug, info (default), warning or error
  --retention AGE     remove ended workflows AGE after their end (30d, 12h, 45m, 90s; default:
                      kept forever)
  --retention-for NAME=AGE
                      the same for the workflows of one definition, overriding --retention;
                      AGE "forever" keeps them (repeatable)
  --retention-archive keep the search summaries of removed workflows
  --limit NAME=N      change one bound (repeatable); past it a request is answered 413 (a size)
                      or 400 (a count) and a running workflow fails with the reason:
                        request-body-kb      request body size (default 8192)
                        definition-kb        workflow definition size (default 4096)
                        log-message-kb       task log message size (default 64)
                        tasks-per-workflow   tasks one workflow may hold (default 50000)
                        fork-branches        branches of one fork (default 10000)
                        do-while-iterations  iterations of one DO_WHILE (default 100000)
                        sub-workflow-depth   nesting of sub-workflows (default 32)
                        search-page-size     results of one search page (default 5000)
  --help              print this help and exit
)";

/// A command-line mistake: reported with a pointer to --help, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Settings {
  conductor::http::ServerOptions server;
  std::string database = "conductor.db";
  conductor::SqliteSync sync = conductor::SqliteSync::kFull;
  int pool_size = 16;
  std::optional<std::string> payload_dir;  ///< empty: none; absent: beside the database
  std::int64_t max_db_bytes = 0;
  bool help = false;
  conductor::RetentionOptions retention;
  conductor::Limits limits;
  server_log::Format log_format = server_log::Format::kText;
  conductor::LogLevel log_level = conductor::LogLevel::kInfo;
};

unsigned long parse_number(std::string_view option, const std::string& text, unsigned long max) {
  std::size_t used = 0;
  unsigned long value = 0;
  try {
    value = std::stoul(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || text.front() == '-' || value > max) {
    throw UsageError("invalid value '" + text + "' for " + std::string(option) + ": expected a number from 0 to " +
                     std::to_string(max));
  }
  return value;
}

/// `30d`, `12h`, `45m`, `90s`: a positive number of days, hours, minutes or seconds.
std::chrono::seconds parse_age(std::string_view option, const std::string& text) {
  static constexpr std::pair<char, long> kUnits[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
  for (const auto& [unit, seconds] : kUnits) {
    if (text.size() < 2 || text.back() != unit) continue;
    const unsigned long count = parse_number(option, text.substr(0, text.size() - 1), 100'000'000);
    if (count > 0) return std::chrono::seconds(static_cast<long>(count) * seconds);
  }
  throw UsageError("invalid value '" + text + "' for " + std::string(option) +
                   ": expected a positive age such as 30d, 12h, 45m or 90s");
}

/// `--limit NAME=N`: one of the engine's Limits, or the request body size; N is at least 1.
void set_limit(Settings& settings, const std::string& text) {
  static constexpr std::pair<std::string_view, std::int64_t conductor::Limits::*> kBounds[] = {
      {"definition-kb", &conductor::Limits::max_workflow_def_kb},
      {"log-message-kb", &conductor::Limits::max_task_log_kb},
      {"tasks-per-workflow", &conductor::Limits::max_tasks_per_workflow},
      {"fork-branches", &conductor::Limits::max_fork_branches},
      {"do-while-iterations", &conductor::Limits::max_do_while_iterations},
      {"sub-workflow-depth", &conductor::Limits::max_sub_workflow_depth},
      {"search-page-size", &conductor::Limits::max_search_page_size},
  };
  const auto eq = text.find('=');
  if (eq == std::string::npos) throw UsageError("option --limit takes NAME=N, not '" + text + "'");
  const std::string name = text.substr(0, eq);
  const auto number = [&] {
    const unsigned long value = parse_number("--limit " + name, text.substr(eq + 1), 1'000'000'000);
    if (value == 0) throw UsageError("invalid value 0 for --limit " + name + ": expected at least 1");
    return static_cast<std::int64_t>(value);
  };
  if (name == "request-body-kb") {
    settings.server.max_body_bytes = static_cast<std::size_t>(number()) * 1024;
    return;
  }
  for (const auto& [bound, field] : kBounds) {
    if (bound == name) {
      settings.limits.*field = number();
      return;
    }
  }
  throw UsageError("unknown limit '" + name + "' for --limit (see --help)");
}

Settings parse_arguments(int argc, char** argv) {
  Settings settings;
  settings.server.port = 8080;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      settings.help = true;
      continue;
    }
    // Both "--name value" and "--name=value".
    std::optional<std::string> inline_value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value = std::string(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
    }
    const auto value = [&]() -> std::string {
      if (inline_value) return *inline_value;
      if (i + 1 >= argc) throw UsageError("option " + std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--port") {
      settings.server.port = static_cast<std::uint16_t>(parse_number(arg, value(), 65535));
    } else if (arg == "--db") {
      settings.database = value();
      if (settings.database.empty()) throw UsageError("option --db needs a file path or a URL");
    } else if (arg == "--pool-size") {
      settings.pool_size = static_cast<int>(parse_number(arg, value(), 1000));
      if (settings.pool_size < 1) throw UsageError("option --pool-size needs at least 1");
    } else if (arg == "--sync") {
      const std::string level = value();
      if (level == "full") {
        settings.sync = conductor::SqliteSync::kFull;
      } else if (level == "normal") {
        settings.sync = conductor::SqliteSync::kNormal;
      } else {
        throw UsageError("invalid value '" + level + "' for --sync: expected full or normal");
      }
    } else if (arg == "--host") {
      settings.server.host = value();
    } else if (arg == "--io-threads") {
      settings.server.io_threads = parse_number(arg, value(), 256);
    } else if (arg == "--worker-threads") {
      settings.server.worker_threads = parse_number(arg, value(), 1024);
    } else if (arg == "--max-waiting-polls") {
      settings.server.max_waiting_polls = parse_number(arg, value(), 1'000'000);
    } else if (arg == "--max-connections-per-client") {
      settings.server.max_connections_per_client = parse_number(arg, value(), 1'000'000);
    } else if (arg == "--max-waiting-polls-per-client") {
      settings.server.max_waiting_polls_per_client = parse_number(arg, value(), 1'000'000);
    } else if (arg == "--payload-dir") {
      settings.payload_dir = value();
      if (settings.payload_dir->empty()) throw UsageError("option --payload-dir needs a directory");
    } else if (arg == "--no-payload-dir") {
      settings.payload_dir = "";
    } else if (arg == "--max-db-mib") {
      settings.max_db_bytes = static_cast<std::int64_t>(parse_number(arg, value(), 1'000'000'000)) * 1024 * 1024;
    } else if (arg == "--token") {
      settings.server.bearer_token = value();
      if (settings.server.bearer_token->empty()) throw UsageError("option --token needs a non-empty value");
    } else if (arg == "--retention") {
      settings.retention.max_age = parse_age(arg, value());
    } else if (arg == "--retention-for") {
      const std::string text = value();
      const auto eq = text.find('=');
      if (eq == std::string::npos || eq == 0) throw UsageError("option --retention-for takes NAME=AGE, not '" + text + "'");
      const std::string age = text.substr(eq + 1);
      settings.retention.max_age_by_name[text.substr(0, eq)] =
          age == "forever" ? std::nullopt : std::optional(parse_age(arg, age));
    } else if (arg == "--retention-archive") {
      settings.retention.archive = true;
    } else if (arg == "--limit") {
      set_limit(settings, value());
    } else if (arg == "--log-format" || arg == "--log-level") {
      const std::string text = value();
      try {
        if (arg == "--log-format") {
          settings.log_format = server_log::parse_format(text);
        } else {
          settings.log_level = server_log::parse_level(text);
        }
      } catch (const std::invalid_argument& error) {
        throw UsageError("invalid value '" + text + "' for " + std::string(arg) + ": " + error.what());
      }
    } else {
      throw UsageError("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  return settings;
}

bool is_postgres_url(std::string_view db) {
  return db.starts_with("postgresql://") || db.starts_with("postgres://");
}

/// The URL as it may be printed: without the password between `user:` and `@`.
std::string without_password(const std::string& url) {
  const auto start = url.find("://") + 3;
  const auto at = url.find('@', start);
  const auto colon = url.find(':', start);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  try {
    settings = parse_arguments(argc, argv);
  } catch (const UsageError& error) {
    std::cerr << "conductor-server: " << error.what() << "\nTry 'conductor-server --help'.\n";
    return 2;
  }
  if (settings.help) {
    std::cout << kUsage;
    return 0;
  }

  // Blocked before any thread starts, so every thread inherits the mask and the signals wait for
  // sigwait below instead of killing the process mid-request.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  server_log::configure(settings.log_format, settings.log_level);
  std::shared_ptr<conductor::Metrics> metrics;
#ifdef CONDUCTOR_WITH_PROMETHEUS
  auto prometheus = std::make_shared<conductor::PrometheusMetrics>();
  settings.server.metrics = [prometheus] { return prometheus->text(); };
  metrics = prometheus;
#endif

  std::unique_ptr<conductor::Storage> storage;
  const bool postgres = is_postgres_url(settings.database);
  const std::string database = postgres ? without_password(settings.database) : settings.database;
  try {
    if (postgres) {
#ifdef CONDUCTOR_WITH_POSTGRES
      storage = conductor::open_postgres({.url = settings.database, .pool_size = settings.pool_size});
#else
      throw std::runtime_error("this build has no PostgreSQL support (configure with libpq-dev installed)");
#endif
    } else {
      storage = conductor::open_sqlite(
          {.path = settings.database, .sync = settings.sync, .max_size_bytes = settings.max_db_bytes,
           .metrics = metrics});
    }
  } catch (const std::exception& error) {
    std::cerr << "conductor-server: cannot open database '" << database << "': " << error.what() << "\n";
    return 1;
  }
  // Beside a SQLite file by default; processes sharing a PostgreSQL database need a directory they share.
  if (!settings.payload_dir && !postgres && settings.database != ":memory:")
    settings.payload_dir = settings.database + ".payloads";
  try {
    std::shared_ptr<conductor::PayloadStorage> payloads;
    if (settings.payload_dir && !settings.payload_dir->empty())
      payloads = conductor::directory_payload_storage(*settings.payload_dir);
    conductor::Engine engine({.storage = std::move(storage),
                              .logger = server_log::log,
                              .payload_storage = payloads,
                              .metrics = metrics,
                              .retention = settings.retention,
                              .limits = settings.limits});
    settings.server.request_log = server_log::log_request;
    settings.server.web_page = true;
    conductor::http::Server server(settings.server, engine);
    const std::uint16_t port = server.start();
    server_log::log(conductor::LogLevel::kInfo,
                    fmt::format("conductor-server listening on http://{}:{}/api (database {})", settings.server.host,
                                port, database));

    int received = 0;
    sigwait(&stop_signals, &received);
    server_log::log(conductor::LogLevel::kInfo,
                    fmt::format("conductor-server: {} received, finishing requests in flight",
                                received == SIGINT ? "SIGINT" : "SIGTERM"));
    server.stop();
  } catch (const std::exception& error) {
    std::cerr << "conductor-server: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
