#include "server_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace conductor::bench {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// SIGTERM and the exit status; the server finishes the requests in flight first.
int terminate_and_wait(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

ServerProcess::ServerProcess(const std::filesystem::path& program, const std::vector<std::string>& options,
                             const std::filesystem::path& log) {
  std::vector<std::string> args{program.string(), "--port", "0"};
  args.insert(args.end(), options.begin(), options.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error(fmt::format("cannot create {}: {}", log.string(), std::strerror(errno)));
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);
  if (pid_ < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
  try {
    port_ = wait_for_port(log);
  } catch (...) {
    // pid_ is -1 when the server exited already; kill(-1) would signal every process there is.
    if (pid_ > 0) terminate_and_wait(pid_);
    throw;
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) terminate_and_wait(pid_);
}

/// conductor-server prints `conductor-server listening on http://HOST:PORT/api ...` once it listens.
std::uint16_t ServerProcess::wait_for_port(const std::filesystem::path& log) {
  constexpr std::string_view kListening = "listening on http://";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("conductor-server exited at start:\n" + read_file(log));
    }
    const std::string text = read_file(log);
    if (auto at = text.find(kListening); at != std::string::npos) {
      const auto end = text.find("/api", at);
      const auto colon = text.rfind(':', end);
      if (end != std::string::npos && colon != std::string::npos && colon > at)
        return static_cast<std::uint16_t>(std::stoul(text.substr(colon + 1, end - colon - 1)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("conductor-server did not start listening within 30 s:\n" + read_file(log));
}

double ServerProcess::cpu_seconds() const {
  // Fields 14 and 15 of /proc/PID/stat, in clock ticks; the command name before them may hold spaces.
  const std::string stat = read_file(fmt::format("/proc/{}/stat", pid_));
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  long user = 0;
  long system = 0;
  fields >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double ServerProcess::peak_rss_mib() const {
  std::istringstream status(read_file(fmt::format("/proc/{}/status", pid_)));
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmHWM:")) return std::stod(line.substr(6)) / 1024.0;  // in kB
  }
  throw std::runtime_error("no VmHWM in /proc/PID/status");
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  const int status = terminate_and_wait(pid_);
  pid_ = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("conductor-server did not stop cleanly (wait status {})", status));
}

}  // namespace conductor::bench
