// Boost.Beast and Asio live in this one translation unit (build time): the
// agent's server (server.h) and the callback client (client.h).
#include "http/client.h"
#include "http/server.h"

#include "core/url.h"
#include "http/problem.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

namespace colo::agent {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// The errors this layer answers itself (malformed HTTP, 413, a handler that
// threw) are problem documents like the routes' (http/problem.h).
std::string problem(int status, const char* title, const std::string& detail) {
  return problemJson(status, title, detail);
}

// Everything one request may make the server hold, beyond its body: the
// request line and header fields, chunk-size lines with their extensions,
// and trailers. Beast 1.81 bounds only the header; the read below counts the
// rest.
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kFramingSlack = 64 * 1024;

// Whether a header block (request line, fields, the empty line) folds a
// field onto the next line: a line break followed by a space or a tab.
bool hasObsFold(std::string_view header) {
  for (std::size_t at = header.find('\n'); at != std::string_view::npos && at + 1 < header.size();
       at = header.find('\n', at + 1))
    if (header[at + 1] == ' ' || header[at + 1] == '\t') return true;
  return false;
}

// Who holds the connections (docs/design.md §9, "Connections"): how many
// each client address has open and idle, and the idle ones oldest first,
// so that a new client at the limit takes the place of a connection that
// waits for nothing, never of one being answered.
class Peers {
 public:
  explicit Peers(const HttpServerOptions& opt) : opt_(opt) {}

  enum class Admit { yes, address_full, full };
  // A new connection from `address`: counted, or why not.
  Admit admit(const std::string& address) {
    std::function<void(bool)> evict;
    std::vector<std::function<void(bool)>> hurry;
    {
      std::lock_guard lock(m_);
      auto found = peers_.find(address);
      int mine = found == peers_.end() ? 0 : found->second.open;
      if (mine >= opt_.max_connections_per_client) return Admit::address_full;
      auto victim = idle_.end();
      if (found != peers_.end() && found->second.idle >= opt_.max_idle_per_client) {
        // Its own oldest idle connection makes room.
        victim = std::find_if(idle_.begin(), idle_.end(),
                              [&](const auto& e) { return e.second.address == address; });
      } else if (open_ >= opt_.max_connections) {
        // The longest-idle connection of the address that holds the most.
        int most = 0;
        for (auto it = idle_.begin(); it != idle_.end(); ++it)
          if (int n = peers_[it->second.address].open; n > most) most = n, victim = it;
        if (victim == idle_.end()) return Admit::full;
      }
      if (victim != idle_.end()) {
        evict = std::move(victim->second.nudge);
        --peers_[victim->second.address].idle;
        idle_.erase(victim);
      }
      ++peers_[address].open;
      ++open_;
      // Half the connections taken: those already idle wait less too.
      if (open_ * 2 >= opt_.max_connections && (open_ - 1) * 2 < opt_.max_connections)
        for (const auto& [at, e] : idle_) hurry.push_back(e.nudge);
    }
    if (evict) evict(true);
    for (auto& h : hurry) h(false);
    return Admit::yes;
  }

  // The connection waits for its next request; `nudge` (from any thread)
  // ends it, nudge(true), should room be needed, or shortens its wait,
  // nudge(false). Returns its place among the idle.
  std::uint64_t idle(const std::string& address, std::function<void(bool)> nudge) {
    std::function<void(bool)> evict;
    std::uint64_t at;
    {
      std::lock_guard lock(m_);
      at = ++sequence_;
      idle_.emplace(at, Idle{address, std::move(nudge)});
      // Over the address's idle share (connections admitted at once become
      // idle later): its oldest idle one ends.
      if (++peers_[address].idle > opt_.max_idle_per_client) {
        auto oldest = std::find_if(idle_.begin(), idle_.end(),
                                   [&](const auto& e) { return e.second.address == address; });
        evict = std::move(oldest->second.nudge);
        --peers_[address].idle;
        idle_.erase(oldest);
      }
    }
    if (evict) evict(true);
    return at;
  }
  // It is reading a request now (or ended): no longer idle.
  void busy(std::uint64_t at) {
    std::lock_guard lock(m_);
    unidle(at);
  }
  void left(const std::string& address, std::uint64_t idleAt) {
    std::lock_guard lock(m_);
    unidle(idleAt);
    auto p = peers_.find(address);
    if (p != peers_.end() && --p->second.open <= 0) peers_.erase(p);
    --open_;
  }
  // Whether the address already has as many idle connections as it may
  // (an answer then closes its connection instead of keeping it).
  bool idleFull(const std::string& address) {
    std::lock_guard lock(m_);
    auto p = peers_.find(address);
    return p != peers_.end() && p->second.idle >= opt_.max_idle_per_client;
  }
  // How long an idle connection may wait: shorter once half the
  // connections are taken.
  std::chrono::milliseconds idleTimeout() {
    std::lock_guard lock(m_);
    if (open_ * 2 >= opt_.max_connections)
      return std::min<std::chrono::milliseconds>(opt_.idle_timeout_under_pressure,
                                                 opt_.read_timeout);
    return opt_.read_timeout;
  }

 private:
  void unidle(std::uint64_t at) {
    if (at == 0) return;
    auto it = idle_.find(at);
    if (it == idle_.end()) return;
    --peers_[it->second.address].idle;
    idle_.erase(it);
  }
  struct Peer {
    int open = 0, idle = 0;
  };
  struct Idle {
    std::string address;
    std::function<void(bool)> nudge;
  };
  const HttpServerOptions& opt_;
  std::mutex m_;
  std::map<std::string, Peer> peers_;
  std::map<std::uint64_t, Idle> idle_;  // oldest first
  std::uint64_t sequence_ = 0;
  int open_ = 0;
};

// One connection: read a request (with a deadline and limits on every part),
// hand it to the handler, write the answer, repeat while the client keeps
// alive. Bytes that arrive early (pipelining) stay in the buffer for the next
// request.
template <typename Stream>
class HttpConnection : public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  HttpConnection(Stream stream, const HttpServerOptions& opt,
                 const HttpServer::AsyncHandler& handler, std::string remote,
                 std::shared_ptr<Peers> peers)
      : stream_(std::move(stream)),
        opt_(opt),
        handler_(handler),
        remote_(std::move(remote)),
        buffer_(opt.body_limit + kHeaderLimit + kFramingSlack),
        peers_(std::move(peers)),
        idleTimer_(stream_.get_executor()) {}
  ~HttpConnection() { peers_->left(remote_, idleAt_); }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(opt_.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

 private:
  void read() {
    obsFold_ = headerEndedLine_ = false;
    headerBytes_ = 0;
    parser_.emplace();
    parser_->body_limit(opt_.body_limit);
    parser_->header_limit(kHeaderLimit);
    consumed_ = 0;
    if (buffer_.size() == 0) {
      // Waiting for the next request: idle, and closed to make room if
      // need be (on this connection's strand, where its stream is used).
      std::weak_ptr<HttpConnection> weak = this->shared_from_this();
      auto executor = stream_.get_executor();
      auto at = peers_->idle(remote_, [weak, executor](bool evict) {
        asio::post(executor, [weak, evict] {
          if (auto self = weak.lock()) self->nudged(evict);
        });
      });
      idleAt_ = at;
      idleSince_ = std::chrono::steady_clock::now();
      armIdle(peers_->idleTimeout());
      beast::get_lowest_layer(stream_).expires_after(opt_.read_timeout);  // and a backstop
    } else {
      // One deadline for the whole request, however it trickles in.
      beast::get_lowest_layer(stream_).expires_after(opt_.read_timeout);
    }
    advance();  // a pipelined request may be buffered already
  }

  // The first bytes of a request: no longer idle, and from here one
  // deadline for the whole request.
  void wake() {
    if (idleAt_ == 0) return;
    peers_->busy(idleAt_);
    idleAt_ = 0;
    idleTimer_.cancel();
    beast::get_lowest_layer(stream_).expires_after(opt_.read_timeout);
  }

  // Room was needed: an idle connection ends (if it still is idle); or
  // connections ran short: it waits less.
  void nudged(bool evict) {
    if (idleAt_ == 0) return;
    if (!evict) return armIdle(peers_->idleTimeout());
    idleAt_ = 0;  // Peers has counted it out already
    // Its next request has arrived, just not been read yet: it is not idle
    // after all, and is served (the limit is passed by one, for a moment).
    if (requestWaiting()) return;
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

  bool requestWaiting() {
    beast::error_code ec;
    return beast::get_lowest_layer(stream_).socket().available(ec) > 0 && !ec;
  }

  // An idle connection's own deadline, counted from when it became idle
  // (the stream's deadline cannot be moved while a read is pending).
  void armIdle(std::chrono::milliseconds wait) {
    idleTimer_.expires_at(idleSince_ + wait);
    std::weak_ptr<HttpConnection> weak = this->shared_from_this();
    idleTimer_.async_wait([weak, at = idleAt_](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->idleAt_ != at || self->requestWaiting()) return;
      self->peers_->busy(at);  // counted out of the idle
      self->idleAt_ = 0;
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).socket().close(ignored);
    });
  }

  // Beast's own read loop (http::async_read_some), except that the parser is
  // fed here: Beast 1.81 throws std::length_error for a trailer field over
  // 64 KiB (no limit covers trailers), which must cost the client its
  // request, not end the process.
  void readSome() {
    auto room = buffer_.max_size() - buffer_.size();
    if (room == 0) return onRead(http::error::buffer_overflow);
    stream_.async_read_some(buffer_.prepare(std::min<std::size_t>(room, 16 * 1024)),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->buffer_.commit(n);
                              self->consumed_ += n;
                              if (n > 0) self->wake();
                              self->onBytes(ec);
                            });
  }

  void onBytes(beast::error_code ec) {
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
      if (!parser_->got_some()) return onRead(http::error::end_of_stream);
      ec = {};
      parser_->put_eof(ec);
      return onRead(ec ? ec : beast::error_code(http::error::partial_message));
    }
    if (ec) return onRead(ec);
    advance();
  }

  void advance() {
    beast::error_code ec;
    if (!parse(ec)) return onRead(ec);
    if (parser_->is_done()) return onRead({});
    if (consumed_ > opt_.body_limit + kHeaderLimit + kFramingSlack)
      return onRead(http::error::body_limit);
    readSome();
  }

  // Feeds what is buffered to the parser; false with `ec` on an error.
  bool parse(beast::error_code& ec) {
    try {
      while (buffer_.size() > 0 && !parser_->is_done()) {
        bool inHeader = !parser_->is_header_done();
        auto used = parser_->put(buffer_.data(), ec);
        // Beast takes the header a few fields at a time: its bytes are
        // counted here, however they arrived (Beast's own limit let 30
        // fields of 1 KiB through), and read for folded lines.
        if (inHeader && used > 0 && (!ec || ec == http::error::need_more)) {
          std::string_view part(static_cast<const char*>(buffer_.data().data()), used);
          headerBytes_ += used;
          if (headerBytes_ > kHeaderLimit) {
            ec = http::error::header_limit;
            return false;
          }
          if (hasObsFold(part) || (headerEndedLine_ && (part[0] == ' ' || part[0] == '\t'))) {
            obsFold_ = true;
            ec = http::error::bad_field;
            return false;
          }
          headerEndedLine_ = part.back() == '\n';
        }
        buffer_.consume(used);
        if (ec == http::error::need_more) {
          ec = {};
          return true;
        }
        if (ec) return false;
        if (used == 0) break;  // it needs more bytes
      }
      return true;
    } catch (const std::length_error&) {
      ec = http::error::header_limit;
    } catch (const std::exception&) {
      ec = http::error::bad_value;
    }
    return false;
  }

  void onRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      return close();
    if (ec == http::error::body_limit)
      return reply(413,
                   problem(413, "Payload Too Large",
                           "the request is larger than " + std::to_string(opt_.body_limit) +
                               " bytes of body (or its framing is unreasonably long)"),
                   false);
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return reply(431,
                   problem(431, "Request Header Fields Too Large",
                           "the request line and header fields exceed " +
                               std::to_string(kHeaderLimit) + " bytes"),
                   false);
    if (obsFold_)
      return reply(400,
                   problem(400, "Bad Request",
                           "a header field continues on the next line (obsolete line folding, "
                           "RFC 9112 5.2); send each field on one line"),
                   false);
    if (ec)
      return reply(400, problem(400, "Bad Request", "malformed HTTP: " + ec.message()), false);
    auto& req = parser_->get();
    auto hosts = req.equal_range(http::field::host);
    auto hostCount = std::distance(hosts.first, hosts.second);
    if (req.version() >= 11 && hostCount == 0)
      return reply(400, problem(400, "Bad Request", "HTTP/1.1 requires a Host header"), false);
    if (hostCount > 1)
      return reply(400,
                   problem(400, "Bad Request", "more than one Host header field (RFC 9112 3.2)"),
                   false);
    // The body is taken as it is sent: an encoded one is refused, not
    // misread (RFC 9110 15.5.16).
    if (auto ce = req.find(http::field::content_encoding); ce != req.end()) {
      std::string coding(ce->value());
      std::transform(coding.begin(), coding.end(), coding.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (coding != "identity") {
        auto out = problem(415, "Unsupported Media Type",
                           "Content-Encoding is not accepted; send the body unencoded");
        return reply(415, std::move(out), req.keep_alive(), {{"Accept-Encoding", "identity"}});
      }
    }
    if (req.find(http::field::transfer_encoding) != req.end() && !parser_->chunked())
      return reply(
          501, problem(501, "Not Implemented", "only the chunked transfer coding is understood"),
          false);
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    in.authorization = std::string(req[http::field::authorization]);
    in.content_type = std::string(req[http::field::content_type]);
    in.body = std::move(req.body());
    in.remote = remote_;
    for (const auto& f : req) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      in.headers[name] = std::string(f.value());
    }
    keepAlive_ = req.keep_alive();
    head_ = req.method() == http::verb::head;
    // The answer may come later, from another thread: back onto this
    // connection's strand before touching the stream.
    auto self = this->shared_from_this();
    HttpServer::Reply reply = [self](HttpResponse out) {
      asio::dispatch(self->stream_.get_executor(),
                     [self, out = std::move(out)]() mutable { self->respond(std::move(out)); });
    };
    try {
      handler_(std::move(in), reply);
    } catch (const std::exception& e) {
      HttpResponse out;
      out.status = 500;
      out.content_type = "application/problem+json";
      out.body = problem(500, "Internal Server Error", e.what());
      reply(std::move(out));
    }
  }

  void respond(HttpResponse out) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(out.status), 11);
    res->set(http::field::server, "colo");
    res->set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) res->set(k, v);
    // An address with enough idle connections: this one closes after its answer.
    if (keepAlive_ && peers_->idleFull(remote_)) keepAlive_ = false;
    res->keep_alive(keepAlive_);
    if (head_) {
      res->content_length(out.body.size());  // what GET would send, without it
    } else {
      res->body() = std::move(out.body);
      res->prepare_payload();
    }
    write(res);
  }

  void reply(int status, std::string body, bool keepAlive,
             const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    auto res =
        std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "colo");
    for (const auto& [k, v] : headers) res->set(k, v);
    res->set(http::field::content_type, "application/problem+json");
    res->body() = std::move(body);
    res->keep_alive(keepAlive);
    keepAlive_ = keepAlive;
    res->prepare_payload();
    write(res);
  }

  void write(std::shared_ptr<http::response<http::string_body>> res) {
    beast::get_lowest_layer(stream_).expires_after(opt_.read_timeout);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !self->keepAlive_) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  Stream stream_;
  const HttpServerOptions& opt_;
  const HttpServer::AsyncHandler& handler_;
  std::string remote_;
  beast::flat_buffer buffer_;  // bounded, and kept between requests
  std::optional<http::request_parser<http::string_body>> parser_;
  std::size_t consumed_ = 0;
  bool keepAlive_ = false, head_ = false;
  // The header read so far: its size, whether it folds a line, whether its
  // last part ended a line.
  std::size_t headerBytes_ = 0;
  bool obsFold_ = false, headerEndedLine_ = false;
  std::shared_ptr<Peers> peers_;
  std::uint64_t idleAt_ = 0;  // its place among the idle, while it is
  std::chrono::steady_clock::time_point idleSince_;
  asio::steady_timer idleTimer_;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions opt;
  AsyncHandler handler;
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<asio::ssl::context> tls;
  asio::signal_set signals{ioc, SIGINT, SIGTERM};

  std::shared_ptr<Peers> peers;
  std::string refusedAll, refusedMine;  // what refuse() sends
  asio::steady_timer backoff{ioc};

  static std::string refusal(int status, const char* title, const std::string& detail) {
    auto body = problem(status, title, detail);
    return "HTTP/1.1 " + std::to_string(status) + " " + title +
           "\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\nConnection: "
           "close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  void accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket sock) {
      if (ec) {
        // Out of file descriptors, say: pause instead of spinning.
        if (!acceptor.is_open()) return;
        backoff.expires_after(std::chrono::milliseconds(50));
        backoff.async_wait([this](beast::error_code) { accept(); });
        return;
      }
      beast::error_code pe;
      auto ep = sock.remote_endpoint(pe);
      std::string remote = pe ? "?" : ep.address().to_string();
      if (auto admit = peers->admit(remote); admit != Peers::Admit::yes) {
        refuse(std::move(sock), admit == Peers::Admit::address_full);
        return accept();
      }
      sock.set_option(tcp::no_delay(true), pe);
      if (tls) {
        std::make_shared<HttpConnection<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(sock)), *tls), opt,
            handler, remote, peers)
            ->start();
      } else {
        std::make_shared<HttpConnection<beast::tcp_stream>>(beast::tcp_stream(std::move(sock)), opt,
                                                            handler, remote, peers)
            ->start();
      }
      accept();
    });
  }

  // Over a connection limit: a short 503, or 429 when it is the address's
  // own (in plain text: under TLS there is no handshake to spend on it),
  // then close.
  void refuse(tcp::socket sock, bool addressFull) {
    const std::string& answer = addressFull ? refusedMine : refusedAll;
    auto s = std::make_shared<tcp::socket>(std::move(sock));
    if (tls) {
      beast::error_code ec;
      s->close(ec);
      return;
    }
    asio::async_write(*s, asio::buffer(answer), [s](beast::error_code, std::size_t) {
      beast::error_code ec;
      s->shutdown(tcp::socket::shutdown_both, ec);
      s->close(ec);
    });
  }
};

HttpServer::HttpServer(const HttpServerOptions& options, Handler handler)
    : HttpServer(options, AsyncHandler([h = std::move(handler)](const HttpRequest& r, Reply reply) {
                   reply(h(r));
                 })) {}

HttpServer::HttpServer(const HttpServerOptions& options, AsyncHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->opt = options;
  impl_->handler = std::move(handler);
  impl_->peers = std::make_shared<Peers>(impl_->opt);
  if (impl_->opt.on_signal) {
    impl_->signals.add(SIGHUP);
    impl_->signals.add(SIGUSR1);
  }
  impl_->refusedAll = Impl::refusal(503, "Service Unavailable", "too many connections");
  impl_->refusedMine = Impl::refusal(429, "Too Many Requests",
                                     "too many connections from this address (at most " +
                                         std::to_string(options.max_connections_per_client) +
                                         "); reuse the ones it has open");
  auto& a = impl_->acceptor;
  beast::error_code ec;
  auto addr = asio::ip::make_address(options.host, ec);
  if (ec) throw std::runtime_error("listen: '" + options.host + "' is not an IP address");
  tcp::endpoint ep(addr, static_cast<unsigned short>(options.port));
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + options.host + ":" +
                             std::to_string(options.port) + ": " + ec.message());
  if (!options.tls_cert.empty()) {
    impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl_->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                            asio::ssl::context::no_tlsv1_1);
    try {
      impl_->tls->use_certificate_chain_file(options.tls_cert);
      impl_->tls->use_private_key_file(options.tls_key, asio::ssl::context::pem);
    } catch (const std::exception& e) {
      throw std::runtime_error("tls: cannot load " + options.tls_cert + " / " + options.tls_key +
                               ": " + e.what());
    }
  }
}

HttpServer::~HttpServer() = default;

int HttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void HttpServer::run(std::function<void()> serving) {
  waitForSignal();
  impl_->accept();
  if (serving) asio::post(impl_->ioc, std::move(serving));
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->opt.threads; ++i) threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

void HttpServer::waitForSignal() {
  impl_->signals.async_wait([this](beast::error_code ec, int sig) {
    if (ec) return;  // cancelled: stopping
    if (impl_->opt.on_signal) impl_->opt.on_signal(sig);
    if (sig == SIGHUP || sig == SIGUSR1)
      waitForSignal();
    else
      stop();
  });
}

void HttpServer::stop() {
  // Stop accepting at once; give exchanges in flight a moment to finish
  // (idle keep-alive connections would otherwise hold the loop until their
  // read timeout), then stop.
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->signals.cancel(ec);
    auto grace = std::make_shared<asio::steady_timer>(impl_->ioc, std::chrono::milliseconds(500));
    grace->async_wait([this, grace](beast::error_code) { impl_->ioc.stop(); });
  });
}

namespace {

// One POST, every step asynchronous under the stream's deadline (Beast's
// blocking calls ignore it), with a bounded answer.
template <typename Stream>
asio::awaitable<int> exchange(Stream& stream, http::request<http::string_body>& req,
                              std::chrono::milliseconds timeout) {
  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(timeout);
  co_await http::async_write(stream, req, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> res;
  res.header_limit(16 * 1024);
  res.body_limit(64 * 1024);  // a receiver has nothing long to say
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  co_return static_cast<int>(res.get().result_int());
}

asio::awaitable<int> post(const HttpUrl& t, http::request<http::string_body>& req,
                          std::chrono::milliseconds timeout, const std::string& caFile) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto endpoints =
      co_await resolver.async_resolve(t.host, std::to_string(t.port), asio::use_awaitable);
  if (t.scheme == "http") {
    beast::tcp_stream stream(ex);
    stream.expires_after(timeout);
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    int status = co_await exchange(stream, req, timeout);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return status;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  if (!caFile.empty()) ctx.load_verify_file(caFile);
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ex, ctx);
  // SNI (the SSL_set_tlsext_host_name macro, without its C cast).
  SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(t.host.c_str()));
  stream.set_verify_callback(asio::ssl::host_name_verification(t.host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await exchange(stream, req, timeout);
}

}  // namespace

HttpResult httpPost(const std::string& url, const std::map<std::string, std::string>& headers,
                    const std::string& body, std::chrono::milliseconds timeout,
                    const std::string& caFile, const std::function<bool()>& cancelled) {
  std::string why;
  auto t = parseHttpUrl(url, why);
  if (!t) return {0, "callback_url " + why};
  http::request<http::string_body> req{http::verb::post, t->target, 11};
  req.set(http::field::host, t->authority);
  req.set(http::field::user_agent, "colo");
  req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  // Its own loop: nothing this receiver does can hold any other delivery,
  // and the whole exchange ends by its deadline or on `cancelled`.
  asio::io_context ioc;
  std::optional<HttpResult> result;
  asio::co_spawn(ioc, post(*t, req, timeout, caFile), [&](std::exception_ptr e, int status) {
    if (!e) return result.emplace(HttpResult{status, ""}), void();
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& x) {
      result.emplace(HttpResult{0, x.code().message()});  // without Beast's source location
    } catch (const std::exception& x) {
      result.emplace(HttpResult{0, x.what()});
    }
  });
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!result) {
    if (cancelled && cancelled()) return {0, "cancelled: colo is stopping"};
    if (std::chrono::steady_clock::now() >= deadline)
      return {0, "no answer within " + std::to_string(timeout.count()) + " ms"};
    ioc.run_for(std::chrono::milliseconds(50));
    if (ioc.stopped() && !result) ioc.restart();
  }
  return *result;
}

}  // namespace colo::agent
