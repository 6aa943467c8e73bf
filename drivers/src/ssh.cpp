#include "colo/drivers/ssh.h"

#include <fcntl.h>
#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

#include "colo/drivers/error.h"
#include "colo/encoding/encoding.h"
#include "text.h"

namespace colo::drivers {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string endpoint(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

int msLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

// A TCP connection with a deadline, to the first address that answers.
int connectTcp(const std::string& host, int port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0)
    throw DriverError(DriverErrorKind::connect, "cannot resolve " + host + ": " + gai_strerror(rc));
  std::string lastError = "no address";
  int fd = -1;
  for (addrinfo* ai = res; ai && fd < 0; ai = ai->ai_next) {
    int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0) continue;
    fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
    if (connect(s, ai->ai_addr, ai->ai_addrlen) == 0) {
      fd = s;
      break;
    }
    if (errno == EINPROGRESS) {
      pollfd p{s, POLLOUT, 0};
      int n;
      do n = poll(&p, 1, msLeft(deadline));  // a signal is not the switch's answer
      while (n < 0 && errno == EINTR);
      int err = 0;
      socklen_t len = sizeof err;
      if (n > 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        fd = s;
        break;
      }
      lastError = n == 0 ? "timed out" : std::strerror(err ? err : errno);
    } else {
      lastError = std::strerror(errno);
    }
    close(s);
  }
  freeaddrinfo(res);
  if (fd < 0)
    throw DriverError(DriverErrorKind::connect,
                      "cannot connect to " + endpoint(host, port) + ": " + lastError);
  return fd;
}

int knownHostKeyMask(int hostkeyType) {
  switch (hostkeyType) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

const char* keyTypeName(int hostkeyType) {
  switch (hostkeyType) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return "ssh-ed25519";
    default:
      return "unknown";
  }
}

void kbdintCallback(const char*, int, const char*, int, int numPrompts,
                    const LIBSSH2_USERAUTH_KBDINT_PROMPT*,
                    LIBSSH2_USERAUTH_KBDINT_RESPONSE* responses, void** abstract) {
  const auto* password = static_cast<const std::string*>(*abstract);
  for (int i = 0; i < numPrompts; ++i) {
    responses[i].text = strdup(password->c_str());
    responses[i].length = static_cast<unsigned int>(password->size());
  }
}

class SshChannel final : public CliChannel {
 public:
  explicit SshChannel(const SshOptions& o)
      : opt_(o), where_(endpoint(o.host, o.port)), secret_(o.password) {
    setInterrupt(o.interrupt);
  }

  ~SshChannel() override {
    interrupt_ = nullptr;  // closing is bounded on its own, and must not throw
    // A polite close, bounded: a peer that does not answer must not hold us.
    auto deadline = Clock::now() + milliseconds(500);
    auto bounded = [&](auto step) {
      while (step() == LIBSSH2_ERROR_EAGAIN && msLeft(deadline) > 0) waitSocket(deadline);
    };
    if (channel_) bounded([&] { return libssh2_channel_close(channel_); });
    if (session_) bounded([&] { return libssh2_session_disconnect(session_, "bye"); });
    // libssh2 frees a channel or a session only once the peer has confirmed
    // the close; in non-blocking mode it returns EAGAIN and frees nothing
    // while it waits. Cutting the socket ends that wait: every read and
    // write now fails at once, and libssh2 frees what it holds.
    if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
    auto freed = [](auto step) {
      for (int i = 0; i < 100 && step() == LIBSSH2_ERROR_EAGAIN; ++i) {
      }
    };
    if (channel_) freed([&] { return libssh2_channel_free(channel_); });
    if (session_) freed([&] { return libssh2_session_free(session_); });
    if (fd_ >= 0) close(fd_);
  }

  void open() {
    initOnce();
    auto deadline = Clock::now() + opt_.connect_timeout;
    fd_ = connectTcp(opt_.host, opt_.port, deadline);
    // An interactive CLI sends small lines and waits for each answer: do not
    // let Nagle's algorithm hold them back for a delayed ACK.
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    void* abstract = &secret_;
    session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, abstract);
    if (!session_) throw DriverError(DriverErrorKind::protocol, "cannot create an SSH session");
    libssh2_session_set_blocking(session_, 0);
    int rc =
        retry(deadline, "SSH handshake", [&] { return libssh2_session_handshake(session_, fd_); });
    if (rc != 0) {
      std::string msg = "SSH handshake with " + where_ + " failed: " + lastError();
      // The one known trap of libssh2 1.10 (see README): say it plainly.
      if (rc == LIBSSH2_ERROR_KEX_FAILURE || rc == LIBSSH2_ERROR_HOSTKEY_INIT ||
          rc == LIBSSH2_ERROR_HOSTKEY_SIGN || rc == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED)
        msg +=
            ". A switch that offers only an RSA host key with SHA-2 signatures cannot be "
            "verified by libssh2 1.10: give it an Ed25519 or ECDSA host key, or enable ssh-rsa";
      throw DriverError(DriverErrorKind::protocol, msg);
    }
    checkHostKey();
    authenticate(deadline);
    LIBSSH2_CHANNEL* ch = nullptr;
    while (!(ch = libssh2_channel_open_session(session_))) {
      if (libssh2_session_last_errno(session_) != LIBSSH2_ERROR_EAGAIN)
        throw DriverError(DriverErrorKind::protocol,
                          "cannot open a session channel on " + where_ + ": " + lastError());
      waitOrTimeout(deadline, "opening a channel");
    }
    channel_ = ch;
    // A wide terminal: long lines must not wrap and break prompt matching.
    if (retry(deadline, "PTY request", [&] {
          return libssh2_channel_request_pty_ex(channel_, "vt100", 5, nullptr, 0, 511, 24, 0, 0);
        }) != 0)
      throw DriverError(DriverErrorKind::protocol, "PTY refused by " + where_ + ": " + lastError());
    if (retry(deadline, "shell request", [&] { return libssh2_channel_shell(channel_); }) != 0)
      throw DriverError(DriverErrorKind::protocol,
                        "shell refused by " + where_ + ": " + lastError());
    libssh2_keepalive_config(session_, 0, static_cast<unsigned>(opt_.keepalive_interval.count()));
  }

  void send(std::string_view bytes) override {
    auto deadline = Clock::now() + milliseconds(10000);
    while (!bytes.empty()) {
      auto n = libssh2_channel_write(channel_, bytes.data(), bytes.size());
      if (n == LIBSSH2_ERROR_EAGAIN) {
        waitOrTimeout(deadline, "sending");
        continue;
      }
      if (n < 0) throw disconnected("sending");
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  std::string readUntil(const std::regex& prompt, milliseconds timeout) override {
    auto deadline = Clock::now() + timeout;
    char buf[8192];
    while (true) {
      if (matches(prompt)) {
        std::string out = std::move(buffer_);
        buffer_.clear();
        return out;
      }
      auto n = libssh2_channel_read(channel_, buf, sizeof buf);
      if (n > 0) {
        for (ssize_t i = 0; i < n; ++i)
          if (buf[i] != '\r') buffer_.push_back(buf[i]);
        // A switch that floods: neither the deadline nor memory may depend
        // on it ever pausing.
        if (buffer_.size() > outputLimit_) {
          buffer_.clear();
          throw DriverError(DriverErrorKind::protocol,
                            where_ + " sent more than " + std::to_string(outputLimit_) +
                                " bytes without a prompt (limits.command_output_bytes); giving up "
                                "on the session");
        }
        if (msLeft(deadline) == 0) throw timedOut(timeout);
        continue;
      }
      if (n == LIBSSH2_ERROR_EAGAIN) {
        if (libssh2_channel_eof(channel_)) throw disconnected("waiting for the prompt");
        int next = 0;
        libssh2_keepalive_send(session_, &next);
        if (msLeft(deadline) == 0) throw timedOut(timeout);
        waitSocket(deadline);
        continue;
      }
      if (n == 0 && libssh2_channel_eof(channel_)) throw disconnected("waiting for the prompt");
      if (n < 0) throw disconnected("reading");
    }
  }

  std::string fingerprint() const { return fingerprint_; }

 private:
  bool matches(const std::regex& prompt) const {
    // A title escape (OSC) or colour codes before a prompt are not part of it.
    auto last = text::sanitize(text::lastLine(buffer_));
    return !last.empty() && std::regex_search(last, prompt);
  }

  DriverError timedOut(milliseconds timeout) const {
    std::string tail = buffer_.size() > 200 ? buffer_.substr(buffer_.size() - 200) : buffer_;
    return DriverError(DriverErrorKind::timeout,
                       where_ + " did not answer within " + std::to_string(timeout.count()) + " ms",
                       text::sanitize(tail));
  }

  template <typename F>
  int retry(Clock::time_point deadline, const char* what, F&& f) {
    int rc;
    while ((rc = f()) == LIBSSH2_ERROR_EAGAIN) waitOrTimeout(deadline, what);
    return rc;
  }

  void waitSocket(Clock::time_point deadline) {
    if (interrupted())
      throw DriverError(DriverErrorKind::interrupted, "interrupted while waiting for " + where_,
                        buffer_);
    int dir = libssh2_session_block_directions(session_);
    pollfd p{fd_, 0, 0};
    if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) p.events |= POLLIN;
    if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) p.events |= POLLOUT;
    if (!p.events) p.events = POLLIN;
    // Wake at least every second for keepalives, and often enough to notice
    // an interrupt.
    poll(&p, 1, std::min(msLeft(deadline), interrupt_ ? 100 : 1000));
  }

  void waitOrTimeout(Clock::time_point deadline, const char* what) {
    if (msLeft(deadline) == 0)
      throw DriverError(DriverErrorKind::timeout,
                        std::string(what) + " with " + where_ + " timed out");
    waitSocket(deadline);
  }

  std::string lastError() const {
    char* msg = nullptr;
    libssh2_session_last_error(session_, &msg, nullptr, 0);
    return msg ? msg : "unknown error";
  }

  DriverError disconnected(const char* when) const {
    return DriverError(DriverErrorKind::disconnected,
                       where_ + " closed the connection while " + when, buffer_);
  }

  void checkHostKey() {
    std::size_t len = 0;
    int type = 0;
    const char* key = libssh2_session_hostkey(session_, &len, &type);
    if (!key) throw DriverError(DriverErrorKind::host_key, where_ + " sent no host key");
    const char* hash = libssh2_hostkey_hash(session_, LIBSSH2_HOSTKEY_HASH_SHA256);
    fingerprint_ = std::string(keyTypeName(type)) + " SHA256:" +
                   encoding::base64(std::string_view(hash, 32), encoding::Padding::drop);

    LIBSSH2_KNOWNHOSTS* kh = libssh2_knownhost_init(session_);
    struct Free {
      LIBSSH2_KNOWNHOSTS* kh;
      ~Free() { libssh2_knownhost_free(kh); }
    } guard{kh};
    bool fileExists = !opt_.known_hosts.empty() && std::ifstream(opt_.known_hosts).good();
    if (fileExists && libssh2_knownhost_readfile(kh, opt_.known_hosts.c_str(),
                                                 LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
      throw DriverError(DriverErrorKind::host_key,
                        "cannot read known_hosts file " + opt_.known_hosts);
    int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownHostKeyMask(type);
    libssh2_knownhost* found = nullptr;
    int check = libssh2_knownhost_checkp(kh, opt_.host.c_str(), opt_.port, key, len, mask, &found);
    if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH) return;
    if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
      throw DriverError(DriverErrorKind::host_key,
                        "host key of " + where_ + " has CHANGED (now " + fingerprint_ +
                            "); refusing to connect. If the switch was replaced, remove its old "
                            "entry from " +
                            opt_.known_hosts + " and accept the new key");
    if (!opt_.accept_new_host_key || opt_.known_hosts.empty())
      throw DriverError(
          DriverErrorKind::host_key,
          "host key of " + where_ + " is unknown (" + fingerprint_ + "; not in " +
              (opt_.known_hosts.empty() ? std::string("any known_hosts file") : opt_.known_hosts) +
              "); refusing to connect. Check the fingerprint on the switch console, "
              "then accept it explicitly (accept_new_host_keys)");
    // Trust on first use, asked for explicitly: append, never rewrite.
    std::string name =
        opt_.port == 22 ? opt_.host : "[" + opt_.host + "]:" + std::to_string(opt_.port);
    libssh2_knownhost* added = nullptr;
    if (libssh2_knownhost_addc(kh, name.c_str(), nullptr, key, len, nullptr, 0, mask, &added) != 0)
      throw DriverError(DriverErrorKind::host_key, "cannot record the host key of " + where_);
    char line[4096];
    std::size_t outLen = 0;
    if (libssh2_knownhost_writeline(kh, added, line, sizeof line, &outLen,
                                    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
      throw DriverError(DriverErrorKind::host_key, "cannot format the host key of " + where_);
    std::ofstream out(opt_.known_hosts, std::ios::app);
    out.write(line, static_cast<std::streamsize>(outLen));
    if (!out) throw DriverError(DriverErrorKind::host_key, "cannot write " + opt_.known_hosts);
  }

  void authenticate(Clock::time_point deadline) {
    const std::string& user = opt_.username;
    auto ulen = static_cast<unsigned>(user.size());
    const char* list = nullptr;
    while (!(list = libssh2_userauth_list(session_, user.c_str(), ulen))) {
      if (libssh2_userauth_authenticated(session_)) return;  // "none" worked
      if (libssh2_session_last_errno(session_) != LIBSSH2_ERROR_EAGAIN)
        throw DriverError(DriverErrorKind::auth,
                          where_ + " offers no authentication: " + lastError());
      waitOrTimeout(deadline, "authentication");
    }
    std::string methods = list;
    auto offers = [&](const char* m) { return methods.find(m) != std::string::npos; };
    int rc = -1;
    std::string tried;
    if (!opt_.key_file.empty()) {
      tried = "public key " + opt_.key_file;
      rc = retry(deadline, "authentication", [&] {
        return libssh2_userauth_publickey_fromfile_ex(
            session_, user.c_str(), ulen, nullptr, opt_.key_file.c_str(),
            opt_.key_passphrase.empty() ? nullptr : opt_.key_passphrase.c_str());
      });
    } else if (offers("password")) {
      tried = "password";
      rc = retry(deadline, "authentication", [&] {
        return libssh2_userauth_password_ex(session_, user.c_str(), ulen, secret_.c_str(),
                                            static_cast<unsigned>(secret_.size()), nullptr);
      });
    } else if (offers("keyboard-interactive")) {
      tried = "keyboard-interactive";
      rc = retry(deadline, "authentication", [&] {
        return libssh2_userauth_keyboard_interactive_ex(session_, user.c_str(), ulen,
                                                        kbdintCallback);
      });
    } else {
      throw DriverError(DriverErrorKind::auth,
                        where_ + " offers only " + methods +
                            " authentication, which colo has no credentials for");
    }
    if (rc != 0)
      throw DriverError(DriverErrorKind::auth, "authentication as '" + user + "' refused by " +
                                                   where_ + " (" + tried + ")");
  }

  SshOptions opt_;
  std::string where_;
  std::string secret_;  // for keyboard-interactive; never logged
  int fd_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  LIBSSH2_CHANNEL* channel_ = nullptr;
  std::string buffer_, fingerprint_;
};

}  // namespace

bool hostKeyListed(const std::string& knownHostsFile, const std::string& host, int port) {
  initOnce();
  LIBSSH2_SESSION* session = libssh2_session_init();
  if (!session) throw DriverError(DriverErrorKind::protocol, "cannot create an SSH session");
  LIBSSH2_KNOWNHOSTS* kh = libssh2_knownhost_init(session);
  struct Free {
    LIBSSH2_SESSION* s;
    LIBSSH2_KNOWNHOSTS* kh;
    ~Free() {
      if (kh) libssh2_knownhost_free(kh);
      libssh2_session_free(s);
    }
  } guard{session, kh};
  if (!kh ||
      libssh2_knownhost_readfile(kh, knownHostsFile.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
    return false;
  // libssh2 compares keys only between entries of the same key type: a
  // dummy key of each type finds any entry for the host, as a match or a
  // mismatch.
  const char dummy[] = "colo-probe";
  for (int type : {LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_HOSTKEY_TYPE_ECDSA_256,
                   LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_HOSTKEY_TYPE_ECDSA_521,
                   LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_HOSTKEY_TYPE_DSS}) {
    int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownHostKeyMask(type);
    libssh2_knownhost* found = nullptr;
    int check =
        libssh2_knownhost_checkp(kh, host.c_str(), port, dummy, sizeof dummy - 1, mask, &found);
    if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH || check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
      return true;
  }
  return false;
}

CliChannelPtr openSsh(const SshOptions& options) {
  auto ch = std::make_unique<SshChannel>(options);
  ch->open();
  return ch;
}

}  // namespace colo::drivers
