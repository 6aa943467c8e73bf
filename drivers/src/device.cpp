#include "colo/drivers/device.h"

#include "colo/drivers/error.h"
#include "text.h"

namespace colo::drivers {

namespace {

std::string lastLine(const std::string& s) {
  return std::string(text::lastLine(s));
}

// The output of a command: the echoed command line and the closing prompt
// line removed, surrounding blank lines trimmed.
std::string stripEchoAndPrompt(const std::string& raw, std::string_view command) {
  std::string out = raw;
  auto lastNl = out.rfind('\n');
  out = lastNl == std::string::npos ? std::string() : out.substr(0, lastNl);
  auto echo = command.empty() ? std::string::npos : out.find(command);
  if (echo != std::string::npos && echo < 256) {
    auto eol = out.find('\n', echo);
    out = eol == std::string::npos ? std::string() : out.substr(eol + 1);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  while (!out.empty() && out.front() == '\n') out.erase(0, 1);
  return out;
}

}  // namespace

Device::Device(std::string name, CliChannelPtr channel, const Dialect& dialect,
               std::chrono::milliseconds commandTimeout, std::string enablePassword,
               std::size_t outputLimit)
    : name_(std::move(name)),
      channel_(std::move(channel)),
      dialect_(dialect),
      timeout_(commandTimeout),
      enablePassword_(std::move(enablePassword)),
      promptOrMore_("(" + dialect.promptPattern() + ")|(" + dialect.morePattern() + ")"),
      more_(dialect.morePattern()),
      password_(dialect.passwordPattern()),
      outputLimit_(outputLimit) {
  channel_->setOutputLimit(outputLimit);
}

std::string Device::readPrompt() {
  std::string all;
  while (true) {
    all += channel_->readUntil(promptOrMore_, timeout_);
    std::string last = lastLine(all);
    if (!std::regex_search(last, more_)) return all;
    all.erase(all.size() - last.size());
    // Paged output counts against the same limit as unpaged.
    if (all.size() > outputLimit_)
      throw DriverError(DriverErrorKind::protocol,
                        "more than " + std::to_string(outputLimit_) +
                            " bytes of output (limits.command_output_bytes)");
    channel_->send(dialect_.moreKey());
  }
}

void Device::open() {
  try {
    std::string banner = readPrompt();
    if (dialect_.unprivileged(lastLine(banner))) {
      if (enablePassword_.empty())
        throw DriverError(DriverErrorKind::auth,
                          "logged in unprivileged and no enable password is configured "
                          "(enable_password_env)");
      channel_->sendLine(dialect_.enableCommand());
      transcript_.push_back(dialect_.enableCommand());
      channel_->readUntil(password_, timeout_);
      channel_->sendLine(enablePassword_);  // never recorded
      std::string after = readPrompt();
      if (dialect_.unprivileged(lastLine(after)))
        throw DriverError(DriverErrorKind::auth, "enable password refused", after);
    }
    for (const auto& cmd : dialect_.sessionSetup()) run(cmd);
  } catch (const DriverError& e) {
    throw e.within("switch " + name_);
  }
}

std::string Device::exchange(std::string_view command) {
  if (channel_->interrupted())
    throw DriverError(DriverErrorKind::interrupted, "interrupted before sending it");
  transcript_.emplace_back(command);
  auto start = std::chrono::steady_clock::now();
  channel_->sendLine(command);
  auto out = readPrompt();
  if (timer_) timer_(name_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return dialect_.trimOutput(stripEchoAndPrompt(out, command));
}

std::string Device::runRaw(std::string_view command) {
  std::string out;
  try {
    out = exchange(command);
  } catch (const DriverError& e) {
    throw e.within("switch " + name_ + ": command '" + std::string(command) + "'");
  }
  if (dialect_.refused(out)) {
    auto said = text::sanitize(out);
    throw DriverError(DriverErrorKind::rejected,
                      "switch " + name_ + " refused '" + std::string(command) + "': " + said, said);
  }
  return out;
}

std::string Device::run(std::string_view command) {
  return text::sanitize(runRaw(command));
}

PortState Device::readPort(std::string_view port) {
  auto lines = dialect_.portLines(runRaw(dialect_.showPort(port)), port);
  // What colo would replay on a restore must be plain text.
  for (const auto& l : lines)
    if (text::hasControl(l))
      throw DriverError(
          DriverErrorKind::rejected,
          "switch " + name_ + " port " + std::string(port) +
              ": its configuration holds control characters ('" + text::sanitize(l) +
              "'); colo will not use it as a restore source, so it does not change the port");
  return dialect_.parsePort(lines);
}

void Device::configure(const std::vector<std::string>& commands) {
  for (const auto& c : dialect_.enterConfig()) run(c);
  try {
    for (const auto& c : commands) run(c);
    for (const auto& c : dialect_.commitConfig()) run(c);
  } catch (const DriverError& e) {
    // Leave configuration mode without keeping what was not yet in effect,
    // if the session still answers; the original error is what matters.
    if (e.kind() == DriverErrorKind::rejected) {
      try {
        for (const auto& c : dialect_.abortConfig()) exchange(c);
      } catch (const DriverError&) {
      }
    }
    throw;
  }
}

void Device::save() {
  for (const auto& c : dialect_.save()) run(c);
}

}  // namespace colo::drivers
