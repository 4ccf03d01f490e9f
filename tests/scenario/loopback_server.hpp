#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// An HTTP server on 127.0.0.1 (an ephemeral port) that the test scripts: each path answers with what
// its route returns for that hit; a held answer waits until the test releases it, so a "slow" endpoint
// is as slow as the test wants without any clock. One thread per connection.
class LoopbackServer {
 public:
  struct Answer {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool held = false;  ///< answers only after release()
  };
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
  };
  using Route = std::function<Answer(int hit)>;  // hit counts from 1

  LoopbackServer() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~LoopbackServer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      released_ = true;
    }
    changed_.notify_all();
    // Wakes the blocking accept.
    boost::asio::ip::tcp::socket poke(io_);
    boost::system::error_code ec;
    poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    accept_thread_.join();
    for (auto& t : connections_) t.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  unsigned short port() const { return port_; }

  /// Answers each hit of `path` with what `route` returns for it.
  void route_by_hit(const std::string& path, Route route) {
    std::lock_guard lock(mutex_);
    routes_[path] = std::move(route);
  }
  // Not an overload of route_by_hit: Clang 14 tries std::function's constructor on a designated
  // initializer list and fails hard instead of discarding the candidate.
  void route(const std::string& path, Answer answer) {
    route_by_hit(path, [answer](int) { return answer; });
  }
  /// Lets every held answer (now and later) go out.
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }
  std::vector<Request> requests(const std::string& path) {
    std::lock_guard lock(mutex_);
    std::vector<Request> out;
    for (const auto& r : requests_)
      if (r.target == path) out.push_back(r);
    return out;
  }
  /// Blocks until `count` requests of `path` arrived.
  void wait_for_requests(const std::string& path, std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      std::size_t n = 0;
      for (const auto& r : requests_) n += r.target == path;
      return n >= count;
    });
  }

 private:
  void accept_loop() {
    for (;;) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      std::lock_guard lock(mutex_);
      if (ec || stopping_) return;
      connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  void serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> in;
    boost::system::error_code ec;
    http::read(socket, buffer, in, ec);
    if (ec) return;
    Answer answer{404, "text/plain", "no route", {}, false};
    {
      std::unique_lock lock(mutex_);
      Request r{std::string(in.method_string()), std::string(in.target()), {}, in.body()};
      for (const auto& field : in) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(field.value());
      }
      requests_.push_back(std::move(r));
      int hit = 0;
      for (const auto& seen : requests_) hit += seen.target == in.target();
      auto it = routes_.find(std::string(in.target()));
      if (it != routes_.end()) answer = it->second(hit);
      changed_.notify_all();
      if (answer.held) changed_.wait(lock, [&] { return released_; });
    }
    http::response<http::string_body> out{static_cast<http::status>(answer.status), 11};
    out.set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) out.insert(name, value);
    out.body() = answer.body;
    out.prepare_payload();
    http::write(socket, out, ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread accept_thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Route> routes_;
  std::vector<Request> requests_;
  std::vector<std::thread> connections_;
  bool released_ = false;
  bool stopping_ = false;
};
