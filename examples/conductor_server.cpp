// A Conductor-compatible REST server: an Engine on a SQLite file behind conductor::http::Server, so
// Conductor's SDKs, workers and tools can use it unchanged. One log line per request on stdout;
// SIGINT or SIGTERM stops it after the requests in flight are answered.
//
//   conductor-server --port 8080 --db conductor.db [--sync full|normal] [--host 127.0.0.1] [--io-threads N]
//                    [--worker-threads N] [--max-waiting-polls N] [--max-connections-per-client N]
//                    [--max-waiting-polls-per-client N] [--max-db-mib N] [--token T]
#include <conductor/engine.hpp>
#include <conductor/error.hpp>
#include <conductor/http/server.hpp>
#include <conductor/storage/sqlite.hpp>
#ifdef CONDUCTOR_WITH_POSTGRES
#include <conductor/storage/postgres.hpp>
#endif

#include <fmt/format.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <string_view>

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
    } else {
      throw UsageError("unknown option '" + std::string(argv[i]) + "'");
    }
  }
  return settings;
}

/// Writes one log line on stdout, stamped `2024-05-01T12:00:00Z`, whole and flushed, so lines from
/// several threads never interleave and a piped log is current.
void log_line(const std::string& text) {
  static std::mutex mutex;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  const std::lock_guard lock(mutex);
  std::printf("%s %s\n", stamp, text.c_str());
  std::fflush(stdout);
}

/// `GET /api/workflow/... 200 1.234ms`
void log_request(const conductor::http::RequestLogEntry& entry) {
  log_line(fmt::format("{} {} {} {:.3f}ms", entry.method.empty() ? "-" : entry.method, entry.path, entry.status,
                       static_cast<double>(entry.duration.count()) / 1000.0));
}

/// `warning a worker's result could not be stored yet; retrying taskId=...`
void log_engine(conductor::LogLevel level, std::string_view message, const conductor::LogFields& fields) {
  std::string text = fmt::format("{} {}", conductor::to_string(level), message);
  for (const auto& [name, value] : fields) text += fmt::format(" {}={}", name, value);
  log_line(text);
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
          {.path = settings.database, .sync = settings.sync, .max_size_bytes = settings.max_db_bytes});
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
    conductor::Engine engine({.storage = std::move(storage), .logger = log_engine, .payload_storage = payloads});
    settings.server.request_log = log_request;
    conductor::http::Server server(settings.server, engine);
    const std::uint16_t port = server.start();
    std::printf("conductor-server listening on http://%s:%u/api (database %s)\n", settings.server.host.c_str(),
                static_cast<unsigned>(port), database.c_str());
    std::fflush(stdout);

    int received = 0;
    sigwait(&stop_signals, &received);
    std::printf("conductor-server: %s received, finishing requests in flight\n",
                received == SIGINT ? "SIGINT" : "SIGTERM");
    std::fflush(stdout);
    server.stop();
  } catch (const std::exception& error) {
    std::cerr << "conductor-server: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
