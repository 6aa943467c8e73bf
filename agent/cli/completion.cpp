#include "cli/completion.h"

#include <CLI/CLI.hpp>

#include "colo/inventory/lifecycle.h"
#include "core/roles.h"

namespace colo::agent {

namespace inv = colo::inventory;

std::string bashCompletion(const CLI::App& app) {
  auto words = [](const CLI::App& a, bool positional) {
    std::string out;
    for (const auto* o : a.get_options()) {
      if (o->get_name() == "--help" || o->get_name().empty()) continue;
      if (positional != (o->get_lnames().empty() && o->get_snames().empty())) continue;
      if (positional) {
        out += (out.empty() ? "" : " ") + o->get_name();
        continue;
      }
      for (const auto& l : o->get_lnames()) out += (out.empty() ? "--" : " --") + l;
      for (const auto& sn : o->get_snames()) out += (out.empty() ? "-" : " -") + sn;
    }
    return out;
  };
  std::string statuses;
  for (auto st : inv::allStatuses())
    statuses += (statuses.empty() ? "" : " ") + std::string(inv::name(st));
  std::string roles;
  for (const auto& r : roleNames()) roles += (roles.empty() ? "" : " ") + r;
  std::string names, cases;
  for (const auto* c : app.get_subcommands({})) {
    names += (names.empty() ? "" : " ") + c->get_name();
    std::string positional = words(*c, true);
    cases += "    " + c->get_name() + ") opts=\"" + words(*c, false) +
             "\"; files=" + (positional == "REQUEST" ? "1" : "0") +  // a request file
             ";;\n";
  }
  return "# bash completion for colo (made by `colo completion bash`)\n"
         "_colo() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "  local commands=\"" +
         names +
         "\"\n"
         "  local global=\"" +
         words(app, false) +
         "\"\n"
         "  case $prev in\n"
         "    --config|--inventory|--state|--playbooks|-o|--output)\n"
         "      COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n"
         "    --status) COMPREPLY=($(compgen -W \"" +
         statuses +
         "\" -- \"$cur\")); return;;\n"
         "    --role) COMPREPLY=($(compgen -W \"" +
         roles +
         "\" -- \"$cur\")); "
         "return;;\n"
         "    --name) return;;\n"
         "  esac\n"
         "  local sub=\"\" i\n"
         "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "    case \" $commands \" in *\" ${COMP_WORDS[i]} \"*) sub=${COMP_WORDS[i]}; break;; "
         "esac\n"
         "  done\n"
         "  if [[ -z $sub ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$commands $global\" -- \"$cur\")); return\n"
         "  fi\n"
         "  local opts=\"\" files=0\n"
         "  case $sub in\n" +
         cases +
         "  esac\n"
         "  if [[ $cur == -* || $files == 0 ]]; then\n"
         "    COMPREPLY=($(compgen -W \"$opts $global\" -- \"$cur\"))\n"
         "  else\n"
         "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
         "  fi\n"
         "}\n"
         "complete -o filenames -F _colo colo\n";
}

}  // namespace colo::agent
