// completion_command.cpp — `allocprof completion bash` (hidden from --help): prints the bash
// completion script, written from the command line's own definition — every command, its
// options, which options take a value and, for an option limited to a list (CLI::IsMember,
// or a validator named by its list as add_format's is), the list — so it never drifts from
// the commands. The build writes it to share/bash-completion/completions/allocprof.
//
// What the script completes: a command after `allocprof`; after a command, its options
// (for a word starting with "-"), an option's values (its list, directories for DIR, files
// for FILE, nothing for a number or a name), else file names (the databases and suite files
// the commands read); after `record ... --`, a command and then its files.
#include <iostream>
#include <sstream>

#include "cli/cli.h"

namespace allocprof::cli {
namespace {

// "{a,b,c}" (CLI::IsMember's description) -> "a b c"; "" for anything else.
std::string choices_of(const std::string& text) {
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') return "";
    std::string out = text.substr(1, text.size() - 2);
    for (char& ch : out)
        if (ch == ',') ch = ' ';
    return out;
}

std::string choices_of(CLI::Option* option) {
    for (int i = 0;; ++i) {
        CLI::Validator* v = nullptr;
        try {
            v = option->get_validator(i);
        } catch (const CLI::OptionNotFound&) {
            return "";
        }
        for (const std::string& text : {v->get_description(), v->get_name()})
            if (const std::string choices = choices_of(text); !choices.empty()) return choices;
    }
}

std::string names_of(const CLI::Option* option) {
    std::string out;
    for (const std::string& n : option->get_snames()) out += (out.empty() ? "-" : " -") + n;
    for (const std::string& n : option->get_lnames()) out += (out.empty() ? "--" : " --") + n;
    return out;
}

std::string alternatives(std::string names) {
    for (char& ch : names)
        if (ch == ' ') ch = '|';
    return names;
}

// One command's case: its options, then how each option that takes a value completes it.
void write_command(std::ostream& out, CLI::App* command) {
    std::string options;
    std::ostringstream values;
    for (CLI::Option* o : command->get_options()) {
        if (o->get_lnames().empty() && o->get_snames().empty()) continue;  // a positional
        const std::string names = names_of(o);
        options += (options.empty() ? "" : " ") + names;
        if (o->get_items_expected_max() == 0) continue;  // a flag
        const std::string choices = choices_of(o);
        const std::string type = o->get_type_name();
        std::string reply;  // none for a number, a name or a size
        if (!choices.empty())
            reply = "_allocprof_reply -W \"" + choices + "\"; ";
        else if (type == "DIR")
            reply = "_allocprof_reply -d; ";
        else if (type == "FILE")
            reply = "_allocprof_reply -f; ";
        values << "                " << alternatives(names) << ") " << reply << "return 0 ;;\n";
    }
    out << "        " << command->get_name() << ")\n"
        << "            options=\"" << options << "\"\n";
    if (!values.str().empty()) out << "            case $prev in\n" << values.str() << "            esac\n";
    out << "            ;;\n";
}

void write_bash(std::ostream& out, CLI::App& app) {
    std::string commands;
    for (CLI::App* c : app.get_subcommands({}))
        if (!c->get_group().empty()) commands += (commands.empty() ? "" : " ") + c->get_name();
    out << "# bash completion for allocprof, written by `allocprof completion bash` (allocprof " ALLOCPROF_VERSION
           ")\n"
           "# from its command line's definition: do not edit, run it again.\n"
           "# COMPREPLY: what `compgen ARGS` offers for the word being completed, one per line.\n"
           "_allocprof_reply() {\n"
           "    mapfile -t COMPREPLY < <(compgen \"$@\" -- \"$cur\")\n"
           "}\n"
           "\n"
           "_allocprof() {\n"
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "    COMPREPLY=()\n"
           "    if ((COMP_CWORD == 1)); then\n"
           "        _allocprof_reply -W \""
        << commands << " " << names_of(app.get_help_ptr()) << " --version\"\n"
        << "        return 0\n"
           "    fi\n"
           "    local command=${COMP_WORDS[1]} options=\"\" i\n"
           "    # record's target: a command after \"--\", then its files.\n"
           "    if [[ $command == record ]]; then\n"
           "        for ((i = 2; i < COMP_CWORD; i++)); do\n"
           "            if [[ ${COMP_WORDS[i]} == -- ]]; then\n"
           "                if ((i == COMP_CWORD - 1)); then _allocprof_reply -c; else _allocprof_reply -f; fi\n"
           "                return 0\n"
           "            fi\n"
           "        done\n"
           "    fi\n"
           "    case $command in\n";
    for (CLI::App* c : app.get_subcommands({}))
        if (!c->get_group().empty()) write_command(out, c);
    out << "        *) return 0 ;;\n"
           "    esac\n"
           "    if [[ $cur == -* ]]; then\n"
           "        _allocprof_reply -W \"$options\"\n"
           "    else\n"
           "        _allocprof_reply -f\n"
           "    fi\n"
           "}\n"
           "complete -o filenames -o bashdefault -F _allocprof allocprof\n";
}

}  // namespace

void add_completion_command(CLI::App& app, CommandRun& run) {
    CLI::App* c = app.add_subcommand("completion", "the shell completion script, from this command line");
    c->group("");  // hidden: the build installs its output; users need not call it
    auto shell = std::make_shared<std::string>();
    c->add_option("SHELL", *shell, "the shell (bash)")->required()->check(CLI::IsMember({"bash"}));
    c->callback([&app, shell, &run] {
        run = [&app] {
            write_bash(std::cout, app);
            return kExitOk;
        };
    });
}

}  // namespace allocprof::cli
