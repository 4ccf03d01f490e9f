#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace conductor::bench {

/// A conductor-server started as a child process on a free port, its output going to `log`. The
/// constructor returns once the server listens; the destructor stops it. If this process dies first,
/// the kernel kills the server, so a failed run leaves nothing behind.
class ServerProcess {
 public:
  ServerProcess(const std::filesystem::path& program, const std::vector<std::string>& options,
                const std::filesystem::path& log);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  /// User plus system CPU time of the server so far.
  double cpu_seconds() const;
  /// The server's highest resident set size so far (VmHWM), in MiB.
  double peak_rss_mib() const;
  /// SIGTERM, then waits for the exit; throws when the server did not exit cleanly. Idempotent.
  void stop();

 private:
  std::uint16_t wait_for_port(const std::filesystem::path& log);

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace conductor::bench
