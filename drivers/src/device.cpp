#include "colo/drivers/device.h"

#include "colo/drivers/error.h"
#include "text.h"

namespace colo::drivers {

namespace {

// The last line as a person sees it: a title escape (OSC) or colour codes
// before a prompt are not part of it.
std::string lastLine(const std::string& s) {
  return text::sanitize(text::lastLine(s));
}

bool blank(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Where the echo of `command` ends in `out`: just past its last character,
// or npos. A device that wraps long lines at its own terminal width (H3C
// ignores the width colo asks for) breaks the echo with line ends, so they
// do not count; the echo must start within the first 256 bytes.
std::size_t echoEnd(const std::string& out, std::string_view command) {
  if (command.empty()) return std::string::npos;
  for (std::size_t start = out.find(command.front()); start != std::string::npos && start < 256;
       start = out.find(command.front(), start + 1)) {
    std::size_t i = start, k = 0;
    while (i < out.size() && k < command.size()) {
      if (out[i] == command[k]) {
        ++i, ++k;
      } else if (out[i] == '\r' || out[i] == '\n') {
        ++i;
      } else {
        break;
      }
    }
    if (k == command.size()) return i;
  }
  return std::string::npos;
}

// The output of a command: the echoed command line and the closing prompt
// line removed, surrounding blank lines trimmed.
std::string stripEchoAndPrompt(const std::string& raw, std::string_view command) {
  std::string out = raw;
  auto lastNl = out.rfind('\n');
  out = lastNl == std::string::npos ? std::string() : out.substr(0, lastNl);
  auto echo = echoEnd(out, command);
  if (echo != std::string::npos) {
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
      more_(dialect.morePattern()),
      password_(dialect.passwordPattern()),
      outputLimit_(outputLimit) {
  channel_->setOutputLimit(outputLimit);
  compile(dialect.promptPattern());
}

void Device::compile(const std::string& prompt) {
  prompt_ = std::regex(prompt);
  std::string any = "(" + prompt + ")|(" + dialect_.morePattern() + ")";
  asks_ = !dialect_.questionPattern().empty();
  if (asks_) {
    question_ = std::regex(dialect_.questionPattern());
    any += "|(" + dialect_.questionPattern() + ")";
  }
  promptOrMore_ = std::regex(any);
}

// One deadline for the whole command, however many pages it takes; a
// pager that shows an empty page, or the same page again, is not paging
// through output and ends the command (docs/design.md §8).
std::string Device::readPrompt(std::string_view command) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + timeout_;
  std::string all, previous;
  std::size_t pages = 0, questions = 0;
  declined_.clear();
  while (true) {
    auto left =
        pages + questions == 0
            ? timeout_
            : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::string page;
    try {
      if (left.count() <= 0)
        throw DriverError(DriverErrorKind::timeout,
                          "did not finish within " + std::to_string(timeout_.count()) + " ms");
      page = channel_->readUntil(promptOrMore_, left);
    } catch (const DriverError& e) {
      if (pages == 0 || e.kind() != DriverErrorKind::timeout) throw;
      throw DriverError(DriverErrorKind::timeout,
                        std::string(e.what()) + " (after " + std::to_string(pages) +
                            " pages; limits.command_s bounds the whole command)",
                        e.deviceOutput());
    }
    std::string last = lastLine(page);
    if (asks_ && !std::regex_search(last, more_) && std::regex_search(last, question_)) {
      // A question, not a prompt: answered, and the answer's output read
      // under the same deadline. A device that keeps asking is not
      // answering.
      if (++questions > 3)
        throw DriverError(DriverErrorKind::protocol,
                          "the switch asked more than 3 questions ('" + last + "')");
      all += page;
      bool agree = !command.empty() && dialect_.expectsQuestion(command);
      if (!agree && declined_.empty()) declined_ = last;
      channel_->sendLine(agree ? dialect_.yes() : dialect_.no());
      continue;
    }
    if (!std::regex_search(last, more_)) return all + page;
    page.erase(page.size() - text::lastLine(page).size());
    ++pages;
    if (blank(page))
      throw DriverError(DriverErrorKind::protocol, "the pager showed an empty page (page " +
                                                       std::to_string(pages) +
                                                       "); giving up on the command");
    if (page == previous)
      throw DriverError(DriverErrorKind::protocol,
                        "the pager showed the same page twice (page " + std::to_string(pages) +
                            "); giving up on the command",
                        text::sanitize(page.substr(0, 200)));
    all += page;
    // Paged output counts against the same limit as unpaged.
    if (all.size() > outputLimit_)
      throw DriverError(DriverErrorKind::protocol,
                        "more than " + std::to_string(outputLimit_) +
                            " bytes of output (limits.command_output_bytes)");
    previous = std::move(page);
    channel_->send(dialect_.moreKey());
  }
}

std::string Device::login() {
  auto questions = dialect_.loginQuestions();
  if (questions.empty()) return readPrompt();
  std::string any = "(" + dialect_.promptPattern() + ")";
  std::vector<std::regex> each;
  for (const auto& q : questions) {
    any += "|(" + q.pattern + ")";
    each.emplace_back(q.pattern);
  }
  std::regex promptOrQuestion(any), prompt(dialect_.promptPattern());
  std::string all;
  for (int asked = 0;; ++asked) {
    all += channel_->readUntil(promptOrQuestion, timeout_);
    auto last = lastLine(all);
    if (std::regex_search(last, prompt)) return all;
    if (asked == 3)
      throw DriverError(DriverErrorKind::protocol,
                        "the switch asked more than 3 questions at login ('" + last + "')");
    for (std::size_t i = 0; i < each.size(); ++i)
      if (std::regex_search(last, each[i])) {
        channel_->sendLine(questions[i].answer);
        break;
      }
  }
}

void Device::open() {
  try {
    std::string banner = login();
    if (auto host = dialect_.hostOf(lastLine(banner)); !host.empty())
      compile(dialect_.hostPromptPattern(host));
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
  ++roundTrips_;
  auto start = std::chrono::steady_clock::now();
  channel_->sendLine(command);
  auto out = readPrompt(command);
  if (timer_)
    timer_(name_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (!declined_.empty()) {
    auto said = text::sanitize(stripEchoAndPrompt(out, command));
    throw DriverError(DriverErrorKind::rejected,
                      "the switch asked '" + declined_ +
                          "', a question colo does not expect of this command; colo answered '" +
                          dialect_.no() + "'",
                      said);
  }
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
  std::string where = "switch " + name_ + " port " + std::string(port);
  auto output = runRaw(dialect_.showPort(port));
  std::vector<std::string> lines;
  try {
    lines = dialect_.portLines(output, port);
    settled();
  } catch (const DriverError& e) {
    if (e.kind() != DriverErrorKind::protocol) throw;
    throw DriverError(DriverErrorKind::protocol,
                      where + ": cannot read its configuration: " + e.what() +
                          "; colo does not trust this reading and changes nothing on the port",
                      text::sanitize(output.substr(0, 2000)));
  }
  return parsed(where, std::move(lines));
}

PortState Device::parsed(const std::string& where, std::vector<std::string> lines) const {
  // What colo would replay on a restore must be plain text.
  for (const auto& l : lines)
    if (text::hasControl(l))
      throw DriverError(
          DriverErrorKind::rejected,
          where + ": its configuration holds control characters ('" + text::sanitize(l) +
              "'); colo will not use it as a restore source, so it does not change the port");
  return dialect_.parsePort(lines);
}

std::vector<PortState> Device::readPorts(const std::vector<std::string>& ports) {
  std::vector<PortState> out;
  auto show = dialect_.showPorts(ports);
  if (ports.size() < 2 || show.empty()) {
    for (const auto& p : ports) out.push_back(readPort(p));
    return out;
  }
  auto output = runRaw(show);
  std::vector<std::vector<std::string>> lines;
  try {
    lines = dialect_.portsLines(output, ports);
    if (lines.size() != ports.size())
      throw DriverError(DriverErrorKind::protocol, "the dialect read " +
                                                       std::to_string(lines.size()) + " of " +
                                                       std::to_string(ports.size()) + " ports");
    settled();
  } catch (const DriverError& e) {
    if (e.kind() != DriverErrorKind::protocol) throw;
    std::string named;
    for (std::size_t i = 0; i < ports.size() && i < 8; ++i) named += (i ? ", " : "") + ports[i];
    if (ports.size() > 8) named += " and " + std::to_string(ports.size() - 8) + " more";
    throw DriverError(DriverErrorKind::protocol,
                      "switch " + name_ + ": cannot read the configuration of ports " + named +
                          " ('" + show + "'): " + e.what() +
                          "; colo does not trust this reading and changes nothing on them",
                      text::sanitize(output.substr(0, 2000)));
  }
  for (std::size_t i = 0; i < ports.size(); ++i)
    out.push_back(parsed("switch " + name_ + " port " + ports[i], std::move(lines[i])));
  return out;
}

// An empty line must bring back nothing but the prompt: output still
// arriving means the last answer ended at a prompt-shaped line inside it.
void Device::settled() {
  if (channel_->interrupted())
    throw DriverError(DriverErrorKind::interrupted, "interrupted before sending it");
  channel_->sendLine("");
  ++roundTrips_;
  auto rest = dialect_.trimOutput(stripEchoAndPrompt(readPrompt(), ""));
  if (!blank(rest))
    throw DriverError(DriverErrorKind::protocol, "more output arrived after its prompt ('" +
                                                     text::sanitize(rest.substr(0, 120)) +
                                                     "'): the answer held a prompt-shaped line");
}

// How long a prefix of `line` is a prompt (with the space after it), 0 when
// none is: with lines typed ahead, each line's echo follows the prompt on
// the prompt's own line.
std::size_t Device::promptPrefix(std::string_view line) const {
  for (std::size_t j = 1; j <= line.size() && j <= text::kWindow; ++j) {
    char c = line[j - 1];
    if (c != '>' && c != '#' && c != ']') continue;
    std::string head(line.substr(0, j));
    if (!std::regex_search(head, prompt_)) continue;
    return j < line.size() && line[j] == ' ' ? j + 1 : j;
  }
  return 0;
}

void Device::typeAhead(const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  if (channel_->interrupted())
    throw DriverError(DriverErrorKind::interrupted, "interrupted before sending it");
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  std::string batch;
  for (const auto& l : lines) {
    transcript_.push_back(l);
    batch += l + "\n";
  }
  ++roundTrips_;
  channel_->send(batch);
  auto tail = [](const std::string& s) {
    return text::sanitize(s.substr(s.size() > 600 ? s.size() - 600 : 0));
  };
  // The answers: echo 1 and output 1, then for each later line a prompt
  // with that line's echo on the same line and its output, and a last
  // prompt alone. Each answer has a command's deadline.
  std::string all;
  std::vector<std::size_t> starts = {0};  // where each line's echo starts in `all`
  std::size_t prompts = 0, promptLines = 0, scanned = 0;
  auto deadline = start + timeout_;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      throw DriverError(DriverErrorKind::timeout,
                        "answered " + std::to_string(prompts) + " of " +
                            std::to_string(lines.size()) +
                            " configuration lines sent at once, then nothing for " +
                            std::to_string(timeout_.count()) + " ms",
                        tail(all));
    all += text::sanitize(channel_->readUntil(promptOrMore_, left));
    if (all.size() > outputLimit_)
      throw DriverError(DriverErrorKind::protocol,
                        "more than " + std::to_string(outputLimit_) +
                            " bytes of output (limits.command_output_bytes)");
    // Complete lines are read once; the last, still open, each time.
    for (auto nl = all.find('\n', scanned); nl != std::string::npos;
         scanned = nl + 1, nl = all.find('\n', scanned)) {
      auto line = std::string_view(all).substr(scanned, nl - scanned);
      if (auto p = promptPrefix(line); p > 0) {
        ++promptLines;
        if (p < line.size()) starts.push_back(scanned + p);
      }
    }
    auto rest = std::string_view(all).substr(scanned);
    auto p = promptPrefix(rest);
    bool bare = p > 0 && p >= rest.size();  // the last prompt stands alone at the end
    std::size_t seen = promptLines + (p > 0 ? 1 : 0);
    // Every line's echo seen, and a prompt after the last one's answer (a
    // device may print a bare prompt more: it counts as progress only).
    if (bare && starts.size() >= lines.size()) break;
    if (seen > prompts) {
      prompts = seen;
      deadline = Clock::now() + timeout_;
    }
    auto last = lastLine(all);
    if (!bare && (std::regex_search(last, more_) || (asks_ && std::regex_search(last, question_))))
      throw DriverError(DriverErrorKind::protocol,
                        "the switch asked '" + last + "' among configuration lines sent at once",
                        tail(all));
  }
  // Each line's share of the batch: what one command took, on average.
  if (timer_) {
    auto each = std::chrono::duration<double>(Clock::now() - start).count() /
                static_cast<double>(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) timer_(name_, each);
  }
  if (starts.size() != lines.size())
    throw DriverError(DriverErrorKind::protocol,
                      "the switch answered " + std::to_string(lines.size()) +
                          " configuration lines sent at once with " +
                          std::to_string(starts.size()) + " echoes",
                      text::sanitize(all.substr(0, 2000)));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto end = i + 1 < lines.size() ? all.rfind('\n', starts[i + 1]) : all.rfind('\n');
    if (end == std::string::npos || end < starts[i]) end = starts[i];
    // The answer as one command's: its echo, its output and a prompt line
    // (which stripEchoAndPrompt takes off).
    auto answer = all.substr(starts[i], end - starts[i]) + "\n#";
    if (echoEnd(answer, lines[i]) == std::string::npos)
      throw DriverError(DriverErrorKind::protocol,
                        "the answers to configuration lines sent at once do not follow them: no "
                        "echo of '" +
                            lines[i] + "' where its answer belongs",
                        text::sanitize(answer.substr(0, 600)));
    auto out = dialect_.trimOutput(stripEchoAndPrompt(answer, lines[i]));
    if (dialect_.refused(out))
      throw DriverError(DriverErrorKind::rejected,
                        "switch " + name_ + " refused '" + lines[i] + "': " + text::sanitize(out),
                        text::sanitize(out));
  }
}

void Device::configure(const std::vector<std::string>& commands) {
  for (const auto& c : dialect_.enterConfig()) run(c);
  try {
    auto typed = [&](const std::vector<std::string>& batch) {
      try {
        typeAhead(batch);
      } catch (const DriverError& e) {
        if (e.kind() == DriverErrorKind::rejected) throw;
        throw e.within("switch " + name_ + ": " + std::to_string(batch.size()) +
                       " configuration lines sent at once, from '" + batch.front() + "'");
      }
    };
    if (dialect_.typesAhead()) {
      // In one write each, up to a line that may ask a question, which goes
      // on its own.
      std::vector<std::string> batch;
      std::size_t bytes = 0;
      for (const auto& c : commands) {
        bool alone = asks_ && dialect_.expectsQuestion(c);
        if (alone || bytes + c.size() > kTypeAheadBytes) {
          typed(batch);
          batch.clear();
          bytes = 0;
        }
        if (alone) {
          run(c);
          continue;
        }
        batch.push_back(c);
        bytes += c.size() + 1;
      }
      typed(batch);
    } else {
      for (const auto& c : commands) run(c);
    }
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
  std::string said;
  auto commandTimeout = timeout_;
  if (saveTimeout_.count() > 0) timeout_ = saveTimeout_;
  try {
    for (const auto& c : dialect_.save()) said += run(c) + "\n";
  } catch (...) {
    timeout_ = commandTimeout;
    throw;
  }
  timeout_ = commandTimeout;
  if (!dialect_.saveSucceeded(said))
    throw DriverError(DriverErrorKind::rejected,
                      "switch " + name_ + ": the save did not report success: '" +
                          said.substr(0, 300) + (said.size() > 300 ? "...'" : "'"),
                      said);
}

}  // namespace colo::drivers
